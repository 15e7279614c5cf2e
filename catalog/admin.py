"""Admin registrations of the customer-choice catalogue app."""
