"""Choices (TextChoices) of the quality follow-up app."""
