"""Falco rule files: loading, merging, overrides and validation."""
