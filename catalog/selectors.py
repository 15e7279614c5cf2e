"""Reads of the customer-choice catalogue app, scoped by the user's role and municipality."""
