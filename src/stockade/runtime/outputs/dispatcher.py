"""Fan one alert out to every configured output and response engine.

Synchronous by default (each output is called in turn; the webhook and response outputs queue internally
and return at once). With ``queue_size > 0`` the dispatcher has its own bounded queue and worker thread, so
a blocked stream (a stalled pipe on stdout) cannot stall detection either: when the queue is full the alert
is dropped and counted, like Falco's outputs queue.

An output that raises is counted per output name and the others still run.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from stockade.runtime.outputs._alert import AlertLike


class Output(Protocol):
    name: str

    def emit(self, alert: AlertLike) -> Any: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DispatchStats:
    alerts: int  # alerts given to dispatch()
    delivered: int  # alerts handed to every output (errors counted separately)
    dropped: int  # dispatcher queue full, or still queued at close
    errors: Mapping[str, int]  # output name -> exceptions raised by its emit()


class Dispatcher:
    def __init__(self, outputs: Sequence[Output], *, queue_size: int = 0) -> None:
        self.outputs = tuple(outputs)
        self._lock = threading.Lock()
        self._alerts = self._delivered = self._dropped = 0
        self._errors: collections.Counter[str] = collections.Counter()
        self._queue: queue.Queue[AlertLike | None] | None = None
        self._thread: threading.Thread | None = None
        if queue_size > 0:
            self._queue = queue.Queue(maxsize=queue_size)
            self._thread = threading.Thread(target=self._run, name="stockade-outputs", daemon=True)
            self._thread.start()

    def dispatch(self, alert: AlertLike) -> bool:
        """Hand the alert on; False when it was dropped (asynchronous mode, queue full)."""
        with self._lock:
            self._alerts += 1
        if self._queue is None:
            self._send(alert)
            return True
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            with self._lock:
                self._dropped += 1
            return False
        return True

    def _send(self, alert: AlertLike) -> None:
        for output in self.outputs:
            try:
                output.emit(alert)
            except Exception:
                with self._lock:
                    self._errors[getattr(output, "name", type(output).__name__)] += 1
        with self._lock:
            self._delivered += 1

    def _run(self) -> None:
        assert self._queue is not None
        while True:
            alert = self._queue.get()
            try:
                if alert is None:
                    return
                self._send(alert)
            finally:
                self._queue.task_done()

    def flush(self, timeout: float = 10.0) -> bool:
        if self._queue is None:
            return True
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._queue.unfinished_tasks == 0

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (up to ``timeout``), then close every output."""
        if self._queue is not None and self._thread is not None:
            self.flush(timeout)
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)
            self._thread.join(timeout)
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                self._queue.task_done()
                if item is not None:
                    with self._lock:
                        self._dropped += 1
            self._thread = None
        for output in self.outputs:
            try:
                output.close()
            except Exception:
                with self._lock:
                    self._errors[getattr(output, "name", type(output).__name__)] += 1

    def stats(self) -> DispatchStats:
        with self._lock:
            return DispatchStats(self._alerts, self._delivered, self._dropped, dict(self._errors))
