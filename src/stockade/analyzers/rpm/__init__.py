"""RPM packages: the rpm database as SQLite, Berkeley DB hash or NDB, and the RPM header format."""
