"""Writes of the needs assessment app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""
