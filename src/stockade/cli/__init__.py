"""The command-line adapter over the library. Entry point: ``stockade.cli.main:entry``."""
