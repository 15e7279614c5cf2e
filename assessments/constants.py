"""Choices (TextChoices) of the needs assessment app."""
