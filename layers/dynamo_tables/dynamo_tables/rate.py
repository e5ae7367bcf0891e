"""A token bucket: at most so many actions a second, slower while DynamoDB throttles."""

import time
from collections.abc import Callable
from typing import Any


def new_lock() -> Any:
    import threading  # not at module scope: the functions' cold start imports no threading

    return threading.Lock()


def new_event() -> Any:
    import threading

    return threading.Event()


class TokenBucket:
    """At most ``rate`` takes a second on average, ``burst`` at once (default: one second's
    worth). Throttling halves the rate (``slow_down``), down to a sixteenth of it; each
    take without one (``recover``) wins a little of it back. Thread-safe."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be above 0")
        self.target = self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._at = clock()
        self._lock = new_lock()

    def take(self) -> None:
        """Wait, if need be, until one more take keeps to the rate."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            if wait:
                self._sleep(wait)  # under the lock: the others queue behind, in turn

    def slow_down(self) -> None:
        with self._lock:
            self.rate = max(self.target / 16, self.rate / 2)

    def recover(self) -> None:
        with self._lock:
            self.rate = min(self.target, self.rate + self.target / 100)
