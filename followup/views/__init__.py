"""Views of the quality follow-up app, one module per area."""
