"""Field tables per event source: which fields exist and how to extract them from an event."""
