"""Celery tasks of the compensation app: thin, take ids, idempotent, acks_late."""
