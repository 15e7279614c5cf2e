"""Forms of the customer-choice catalogue app."""
