"""Models of the quality follow-up app."""
