"""Debian packages: the dpkg status database, distroless status.d, copyright files and file lists."""
