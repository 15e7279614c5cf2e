"""Forms of the compensation app."""
