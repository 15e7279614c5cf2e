"""The one mechanism every workflow uses to change a status.

A workflow is a TextChoices status, one ALLOWED_TRANSITIONS table and one transition service
built on `transition()`: it locks the row, checks the move and the actor, sets the status,
appends a history row, audits the change and runs side effects after commit. No status is set
anywhere else (see docs/adr/0005-state-handling.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record


class TransitionNotAllowed(ValidationError):
    pass


def status_history(model, field: str, actor, comment: str | None = None):
    """The `history` callable transition() takes: one `model` row per move of the object in
    `field`, by `actor` (None for the system), with the comment where the model keeps one."""

    def record(obj, from_status, to_status):
        extra = {} if comment is None else {"comment": comment}
        return model.objects.create(
            **{field: obj},
            from_status=from_status,
            to_status=to_status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            **extra,
        )

    return record


def transition(
    *,
    obj: models.Model,
    to: str,
    actor,
    allowed: Mapping[str, set[str]],
    history: Callable[[models.Model, str, str], models.Model],
    may: Callable[[Any, models.Model], bool],
    changes: Mapping[str, Any] | None = None,
    on_commit: Callable[[models.Model], None] | None = None,
    comment: str = "",
    status_field: str = "status",
):
    """Move `obj` to status `to`. Must run inside transaction.atomic (services are atomic).

    history(locked_obj, from_status, to_status) creates the history row; may(actor, obj)
    decides whether the actor may make the move; changes are other fields set with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside transaction.atomic")
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    # The actor first: someone who may not act learns nothing about the object's state.
    if actor is not None and not may(actor, locked):
        raise PermissionDenied
    current = getattr(locked, status_field)
    if to not in allowed.get(current, set()):
        label = dict(locked._meta.get_field(status_field).choices or []).get(current, current)
        raise TransitionNotAllowed(
            _("This cannot be done now: the status is “%(status)s”.") % {"status": label},
            code="transition_not_allowed",
        )
    setattr(locked, status_field, to)
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.save()
    history(locked, current, to)
    audit_event_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        message=f"{current} → {to}" + (f": {comment}" if comment else ""),
        details={"from": current, "to": to},
    )
    if on_commit is not None:
        transaction.on_commit(lambda: on_commit(locked))
    # Keep the caller's instance in step with the database.
    for field in [status_field, *(changes or {})]:
        setattr(obj, field, getattr(locked, field))
    return locked
