"""Vulnerability data: an OSV advisory store in SQLite, version comparison per ecosystem, matching."""
