"""Alerts appended to a file, one line each (text or JSON); ``reopen()`` for log rotation (wire it to SIGHUP)."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import TextIO

from stockade.errors import ConfigError
from stockade.runtime.outputs._alert import AlertLike
from stockade.runtime.outputs.stdout import render_line


class FileOutput:
    """Appends alerts to ``path``. The file is opened at construction (a path that cannot be opened is a
    ConfigError naming it) and kept open; ``keep_alive=False`` opens and closes it per alert instead.

    ``reopen()`` closes and reopens the file by name, so an external log rotator can move it away first; it is
    safe to call from a signal handler's deferred work or another thread.
    """

    name = "file"

    def __init__(self, path: str | os.PathLike[str], *, json_output: bool = False, hostname: str | None = None,
                 keep_alive: bool = True) -> None:
        self.path = Path(path)
        self._json = json_output
        self._hostname = hostname
        self._keep_alive = keep_alive
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self.written = 0
        self.failed = 0
        self.reopened = 0
        try:
            handle = self._open()
        except OSError as exc:
            raise ConfigError(f"cannot open alert output file {self.path}: {exc.strerror or exc}") from None
        if keep_alive:
            self._file = handle
        else:
            handle.close()

    def _open(self) -> TextIO:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        return os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def emit(self, alert: AlertLike) -> None:
        line = render_line(alert, json_output=self._json, hostname=self._hostname) + "\n"
        with self._lock:
            try:
                if self._keep_alive:
                    if self._file is None:
                        self._file = self._open()
                    self._file.write(line)
                    self._file.flush()
                else:
                    with self._open() as handle:
                        handle.write(line)
            except (OSError, ValueError):
                self.failed += 1
                self._drop_handle()
                return
            self.written += 1

    def reopen(self) -> None:
        """Close the file and open it again by name (after rotation); failures are retried at the next alert."""
        with self._lock:
            self._drop_handle()
            if self._keep_alive:
                try:
                    self._file = self._open()
                except OSError:
                    self._file = None
            self.reopened += 1

    def _drop_handle(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError, ValueError):
                self._file.close()
            self._file = None

    def close(self) -> None:
        with self._lock:
            self._drop_handle()

    def stats(self) -> dict[str, int]:
        return {"written": self.written, "failed": self.failed, "reopened": self.reopened}
