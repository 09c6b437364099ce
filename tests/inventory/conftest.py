"""Make the tar-building helpers next to these tests importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
