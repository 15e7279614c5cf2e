"""Forms of the needs assessment app."""
