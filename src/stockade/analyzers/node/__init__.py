"""Node.js packages: installed ``node_modules/**/package.json`` and project lockfiles (``package-lock.json``,
``yarn.lock`` classic and berry, ``pnpm-lock.yaml``)."""
