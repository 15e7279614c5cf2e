"""Models of the needs assessment app."""
