"""Celery tasks of the providers app: thin, take ids, idempotent, acks_late."""
