"""Secret scanning: rules as data and an engine (keyword prefilter -> regex -> allowlist -> redaction)."""
