"""Python packages: installed distributions (``*.dist-info``, ``*.egg-info``) and project lockfiles
(``requirements*.txt``, ``poetry.lock``, ``Pipfile.lock``, ``uv.lock``)."""
