"""Choices (TextChoices) of the customer-choice catalogue app."""
