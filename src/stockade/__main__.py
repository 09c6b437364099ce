"""``python -m stockade``: the same as the ``stockade`` command."""

from stockade.cli.main import entry

entry()
