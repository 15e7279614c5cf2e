"""Reads of the quality follow-up app, scoped by the user's role and municipality."""
