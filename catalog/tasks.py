"""Celery tasks of the customer-choice catalogue app: thin, take ids, idempotent, acks_late."""
