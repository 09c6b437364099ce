"""rpm's SQLite database (``var/lib/rpm/rpmdb.sqlite``, rpm >= 4.16): table ``Packages(hnum, blob)``.

SQLite needs a file, so the analyzer copies the stream into a temporary file (bounded) and this module
opens that copy read-only and immutable. The schema is checked first (``Packages`` must be a table, not a
view someone crafted), and a progress handler stops runaway queries.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

MAX_SECONDS = 60.0


class SQLiteError(ValueError):
    """The file is not an rpm SQLite database."""


def blobs(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(hnum, header blob)`` of every row; raises :class:`SQLiteError` when the database is not readable."""
    deadline = time.monotonic() + MAX_SECONDS
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise SQLiteError(f"cannot open the SQLite database: {exc}") from exc
    try:
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            connection.execute("PRAGMA trusted_schema = OFF")
            kind = connection.execute("SELECT type FROM sqlite_master WHERE name = 'Packages'").fetchone()
            if kind is None or kind[0] != "table":
                raise SQLiteError("no Packages table: not an rpm database")
            cursor = connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum")
            for hnum, blob in cursor:
                if isinstance(hnum, int) and isinstance(blob, bytes):
                    yield hnum, blob
                else:
                    yield (hnum if isinstance(hnum, int) else -1), b""
        except sqlite3.Error as exc:
            raise SQLiteError(f"cannot read the SQLite database: {exc}") from exc
    finally:
        connection.close()
