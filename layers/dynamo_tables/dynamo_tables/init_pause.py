"""A Lambda cold start with Python's cyclic garbage collector paused.

A cold start imports botocore, Powertools and the layer and builds a client: some 60,000
objects that live as long as the process, and hardly any garbage. The collector's passes
over them while they are being made cost a GetItem function's INIT 13 to 20 ms under AWS's
runtime emulator (two generation-1 and about twenty-five generation-0 passes), about 6 %.
So in a Lambda runtime the layer's first import pauses the collector, and the first table
class built (the client is the last big thing INIT makes) or the first request resumes it:
``gc.freeze`` first puts everything made so far out of its reach, so neither that request
nor any later pass scans it. Anything else that imported the layer (tests, scripts, the
seed's own usage) keeps the collector as it was.

Importing this module pauses: the package imports it before anything else.
"""

import gc
import os

_paused = False


def pause() -> None:
    """In a Lambda runtime's process (``AWS_LAMBDA_RUNTIME_API`` set), pause the collector,
    unless ``COLD_START_GC_PAUSE=off`` (how ``make bench`` measures what the pause saves)."""
    global _paused
    wanted = os.environ.get("COLD_START_GC_PAUSE", "on") != "off"
    if wanted and os.environ.get("AWS_LAMBDA_RUNTIME_API") and gc.isenabled() and not _paused:
        gc.disable()
        _paused = True


def resume() -> None:
    """End a pause, if this module began one: freeze what exists, then collect as before."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


pause()
