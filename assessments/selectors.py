"""Reads of the needs assessment app, scoped by the user's role and municipality."""
