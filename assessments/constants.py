"""Choices (TextChoices) of the needs assessment app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactRelation(models.TextChoices):
    """Who a contact person is to the citizen; relatives, a guardian or a proxy may help the
    citizen choose."""

    RELATIVE = "relative", _("Relative")
    GUARDIAN = "guardian", _("Guardian (god man)")
    ADMINISTRATOR = "administrator", _("Administrator (förvaltare)")
    PROXY = "proxy", _("Proxy")
    OTHER = "other", _("Other")


class LegalBasis(models.TextChoices):
    SOL_4_1 = "sol_4_1", _("Social Services Act, chapter 4 section 1 (SoL 4:1)")
    SOL_4_2 = "sol_4_2", _("Social Services Act, chapter 4 section 2 (SoL 4:2)")
    LSS_9 = "lss_9", _("LSS section 9")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DECIDED = "decided", _("Decided")
    SUPERSEDED = "superseded", _("Replaced by a newer version")
    ENDED = "ended", _("Ended")


class GrantUnit(models.TextChoices):
    HOURS_PER_MONTH = "hours_per_month", _("Hours per month")
    FRAME_HOURS_PER_WEEK = "frame_hours_per_week", _("Frame, hours per week")


# One table of the moves a decision may make (docs/adr/0005-state-handling.md).
DECISION_TRANSITIONS = {
    DecisionStatus.DRAFT: {DecisionStatus.DECIDED},
    DecisionStatus.DECIDED: {DecisionStatus.SUPERSEDED, DecisionStatus.ENDED},
}


class HelpedBy(models.TextChoices):
    """Who helped the citizen choose. The needs assessor never chooses or recommends."""

    SELF = "self", _("The citizen alone")
    RELATIVE = "relative", _("A relative")
    GUARDIAN = "guardian", _("Guardian (god man) or administrator")
    PROXY = "proxy", _("Proxy")


class OrderStatus(models.TextChoices):
    SENT = "sent", _("Sent to the provider")
    CONFIRMED = "confirmed", _("Confirmed by the provider")
    ENDED = "ended", _("Ended")


ORDER_TRANSITIONS = {
    OrderStatus.SENT: {OrderStatus.CONFIRMED, OrderStatus.ENDED},
    OrderStatus.CONFIRMED: {OrderStatus.ENDED},
}

# Active orders count against the provider's capacity ceiling.
ACTIVE_ORDER_STATUSES = (OrderStatus.SENT, OrderStatus.CONFIRMED)


class ChangeReason(models.TextChoices):
    """Why a citizen changed provider (byte av utförare). No reason is needed by law; the
    citizen may decline to give one. Counted in the board's statistics."""

    DISSATISFIED = "dissatisfied", _("Dissatisfied with the provider")
    MOVED = "moved", _("Moved within the municipality")
    PROVIDER_STOPPED = "provider_stopped", _("The provider stopped or can no longer serve")
    NEEDS_CHANGED = "needs_changed", _("Changed needs or wishes (e.g. language)")
    OTHER = "other", _("Other reason")
    NOT_STATED = "not_stated", _("No reason given (none is needed)")
