"""Forms of the providers app."""
