"""A Lambda cold start without Python's cyclic garbage collector running over it.

A cold start imports botocore, Powertools and the layer and builds a client: some 60,000
objects that live as long as the process, and hardly any garbage. The collector's passes
over them while they are being made cost a GetItem function's INIT 13 to 20 ms under AWS's
runtime emulator (two generation-1 and about twenty-five generation-0 passes). So in a
Lambda runtime the layer's first import raises the collector's first threshold far above
what INIT allocates, and the first table class built (the client is the last big thing
INIT makes) or the first request puts it back: ``gc.freeze`` first puts everything made so
far out of its reach, so neither that request nor any later pass scans it. A raised
threshold, not a disabled collector: a process that imports the package and never gets
that far still collects, every ``INIT_THRESHOLD`` allocations. Anything else that imports
the layer (tests, scripts, the seed's own usage) keeps the collector as it was, and so does
a function with ``COLD_START_GC_PAUSE=off`` (how ``make bench`` measures what this saves).

Importing this module pauses: the package imports it before anything else.
"""

import gc
import os

INIT_THRESHOLD = 200_000  # a cold start's imports and client add about 60,000 objects
_thresholds: tuple[int, ...] | None = None  # the collector's own, while paused


def pause() -> None:
    """In a Lambda runtime's process (``AWS_LAMBDA_RUNTIME_API`` set), hold off collections."""
    global _thresholds
    wanted = os.environ.get("COLD_START_GC_PAUSE", "on") != "off"
    if wanted and os.environ.get("AWS_LAMBDA_RUNTIME_API") and gc.isenabled() and _thresholds is None:
        _thresholds = gc.get_threshold()
        gc.set_threshold(INIT_THRESHOLD, *_thresholds[1:])


def resume() -> None:
    """End a pause, if this module began one: freeze what exists, then collect as before."""
    global _thresholds
    if _thresholds is not None:
        gc.freeze()
        gc.set_threshold(*_thresholds)
        _thresholds = None


pause()
