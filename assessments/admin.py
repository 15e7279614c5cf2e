"""Admin registrations of the needs assessment app."""
