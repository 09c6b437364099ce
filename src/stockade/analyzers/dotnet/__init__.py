""".NET: ``*.deps.json`` files of built applications and NuGet ``packages.lock.json`` lockfiles."""
