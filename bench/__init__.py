"""``make bench``: cold start, warm overhead, round trips, local API load and artifact sizes.

A benchmark, not a test: it prints figures and writes them to ``docs/PERFORMANCE.md``;
no figure fails the build. Every section runs the built artifact (``sam build``).
"""
