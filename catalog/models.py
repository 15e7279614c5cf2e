"""Models of the customer-choice catalogue app."""
