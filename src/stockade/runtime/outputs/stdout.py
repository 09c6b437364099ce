"""Alerts to a text stream, one line each: Falco's text line or its JSON object."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import TextIO

from stockade.runtime.outputs._alert import AlertLike, falco_payload


def render_line(alert: AlertLike, *, json_output: bool, hostname: str | None = None) -> str:
    """One alert as one line (without the newline): ``alert.text()``, or the Falco JSON object."""
    if json_output:
        return json.dumps(falco_payload(alert, hostname), ensure_ascii=False, separators=(",", ":"), default=str)
    return alert.text().replace("\n", "\\n")


class StdoutOutput:
    """Writes each alert to a stream the caller owns (the CLI passes ``sys.stdout``); the stream is not closed.

    Write errors (a closed pipe) are counted, never raised: an output must not stop detection.
    """

    name = "stdout"

    def __init__(self, stream: TextIO, *, json_output: bool = False, hostname: str | None = None,
                 flush: bool = True) -> None:
        self._stream = stream
        self._json = json_output
        self._hostname = hostname
        self._flush = flush
        self._lock = threading.Lock()
        self.written = 0
        self.failed = 0

    def emit(self, alert: AlertLike) -> None:
        line = render_line(alert, json_output=self._json, hostname=self._hostname) + "\n"
        with self._lock:
            try:
                self._stream.write(line)
                if self._flush:
                    self._stream.flush()
            except (OSError, ValueError):
                self.failed += 1
                return
            self.written += 1

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._stream.flush()

    def stats(self) -> dict[str, int]:
        return {"written": self.written, "failed": self.failed}
