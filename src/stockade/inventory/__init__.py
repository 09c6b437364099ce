"""Package inventory: stream layers or walk trees, run analyzers, stack layers, cache per-layer results."""
