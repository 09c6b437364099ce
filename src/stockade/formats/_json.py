"""Pretty JSON output shared by the JSON-based formats.

orjson writes indented JSON an order of magnitude faster than the standard library (whose C encoder is
not used when indenting), which matters for reports with tens of thousands of findings. The output is
the same as ``json.dumps(obj, indent=2, ensure_ascii=False)``; the standard library is the fallback.
"""

from __future__ import annotations

import json
from typing import Any


def dumps_pretty(obj: Any) -> str:
    """``obj`` as 2-space indented JSON, non-ASCII kept as is, no trailing newline."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency; the fallback keeps odd installs working
        return json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False)
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode("utf-8")
