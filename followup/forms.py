"""Forms of the quality follow-up app."""
