"""Event sources: recorded JSON lines, Kubernetes audit logs and webhook, the live host."""
