"""Choices (TextChoices) of the compensation app."""
