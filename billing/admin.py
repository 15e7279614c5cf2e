"""Admin registrations of the compensation app."""
