"""Writes of the compensation app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""
