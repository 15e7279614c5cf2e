"""Admin registrations of the quality follow-up app."""
