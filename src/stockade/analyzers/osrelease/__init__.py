"""The operating system of a root filesystem: os-release and the distributions' own release files."""
