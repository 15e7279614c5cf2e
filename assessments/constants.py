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
