"""Celery tasks of the needs assessment app: thin, take ids, idempotent, acks_late."""
