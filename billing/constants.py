"""Choices (TextChoices) of the compensation app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeBand(models.TextChoices):
    """When a visit starts decides its rate (tidsband). Weekends include public holidays."""

    DAY = "day", _("Day")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")
    WEEKEND = "weekend", _("Weekend and holiday")


class RateUnit(models.TextChoices):
    PER_HOUR = "per_hour", _("SEK per hour")
    PER_VISIT = "per_visit", _("SEK per visit")


class ProviderKind(models.TextChoices):
    """Whom a rate applies to: the municipality's own provider, private providers or both."""

    ALL = "all", _("All providers")
    IN_HOUSE = "in_house", _("In-house provider")
    PRIVATE = "private", _("Private providers")


class VisitKind(models.TextChoices):
    PERFORMED = "performed", _("Performed")
    DECLINED = "declined", _("Declined by the citizen")
    ABSENCE = "absence", _("Absence")


class VisitSource(models.TextChoices):
    CSV = "csv", _("CSV file")
    API = "api", _("API")


class VisitFlag(models.TextChoices):
    """Why a visit needs a look. Flagged visits are kept, never dropped."""

    NO_ORDER = "no_order", _("No active order for the date")
    OVERLAP = "overlap", _("Overlaps another visit")
    OVER_GRANTED = "over_granted", _("Over the granted time of the month")
    AFTER_CUTOFF = "after_cutoff", _("Registered after the monthly cut-off")


class RunStatus(models.TextChoices):
    """An invoice run (fakturakörning) for one municipality and month."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PRELIMINARY = "preliminary", _("Preliminary, awaiting approval")
    APPROVED = "approved", _("Approved (attested)")
    FAILED = "failed", _("Failed")


RUN_TRANSITIONS: dict[str, set[str]] = {
    RunStatus.QUEUED: {RunStatus.RUNNING, RunStatus.FAILED},
    RunStatus.RUNNING: {RunStatus.PRELIMINARY, RunStatus.FAILED},
    RunStatus.FAILED: {RunStatus.QUEUED},
    RunStatus.PRELIMINARY: {RunStatus.APPROVED, RunStatus.QUEUED},
    RunStatus.APPROVED: set(),
}

# A run in one of these states holds the municipality's month: no second run may start.
OPEN_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PRELIMINARY, RunStatus.FAILED)


class DeviationKind(models.TextChoices):
    LOW_PERFORMED = "low_performed", _("Performed time far below granted time")
    NO_ORDER = "no_order", _("Visits without an active order")
    OVERLAP = "overlap", _("Overlapping visits")
    OVER_GRANTED = "over_granted", _("Performed time over granted time, not approved")
    AFTER_CUTOFF = "after_cutoff", _("Visits registered after the cut-off, not paid")
    NO_RATE = "no_rate", _("No rate for the service and time band")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


DISPUTE_TRANSITIONS: dict[str, set[str]] = {
    DisputeStatus.OPEN: {DisputeStatus.ANSWERED},
    DisputeStatus.ANSWERED: set(),
}
