"""Celery tasks of the compensation app: thin, take ids, idempotent, acks_late."""

from celery import shared_task


# Nothing reads its result: the run's row counts the bases done.
@shared_task(acks_late=True, ignore_result=True)
def compute_invoice_basis(run_id: int, provider_id: int) -> None:
    """One provider's basis of an invoice run. A task that raises fails the run whole; a
    worker killed mid-way leaves nothing (one transaction) and the task is delivered again."""
    from .services import invoice_basis_compute, invoice_run_fail

    try:
        invoice_basis_compute(run_id=run_id, provider_id=provider_id)
    except Exception as exc:
        invoice_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
