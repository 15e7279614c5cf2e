"""Writes of the quality follow-up app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""
