"""Alert outputs and response actions."""
