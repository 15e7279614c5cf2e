"""Celery tasks of the quality follow-up app: thin, take ids, idempotent, acks_late."""
