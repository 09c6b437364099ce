"""Alpine (and Wolfi/Chainguard) packages: the apk installed database."""
