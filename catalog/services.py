"""Writes of the catalogue app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""
