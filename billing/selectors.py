"""Reads of the compensation app, scoped by the user's role and municipality."""
