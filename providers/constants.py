from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalForm(models.TextChoices):
    """Legal forms a provider may have (from the municipalities' requests for applications)."""

    SOLE_TRADER = "sole_trader", _("Sole trader")
    LIMITED_COMPANY = "limited_company", _("Limited company (AB)")
    TRADING_PARTNERSHIP = "trading_partnership", _("Trading partnership (HB/KB)")
    FOUNDATION = "foundation", _("Foundation")
    ASSOCIATION = "association", _("Non-profit association")
    COOPERATIVE = "cooperative", _("Economic association / cooperative")
    MUNICIPALITY = "municipality", _("Municipality (in-house provider)")


class RequestStatus(models.TextChoices):
    """A request for applications (förfrågningsunderlag) as a whole."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class VersionStatus(models.TextChoices):
    """One version of a request's text and requirements; published versions never change."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


class PaymentBasis(models.TextChoices):
    GRANTED_TIME = "granted_time", _("Granted time")
    PERFORMED_TIME = "performed_time", _("Performed time")


class EvidenceKind(models.TextChoices):
    """What a provider gives to show that a requirement (skall-krav) is met."""

    DECLARATION = "declaration", _("Declaration (yes/no)")
    TEXT = "text", _("Written answer")
    DOCUMENT = "document", _("Document")
    DATE = "date", _("Date, e.g. a certificate's issue date")


class CapacityUnit(models.TextChoices):
    HOURS_PER_MONTH = "hours_per_month", _("Hours per month")
    CUSTOMERS = "customers", _("Customers")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    COMPLETION_REQUESTED = "completion_requested", _("Completion requested")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DecisionStatus(models.TextChoices):
    """Each municipality's board decides for itself on an application."""

    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AssessmentResult(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class ContractEventKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    SUSPENSION = "suspension", _("Suspension")
    REACTIVATION = "reactivation", _("Reactivation")
    TERMINATION = "termination", _("Termination")


# --- Workflows: the only moves each status allows --------------------------------------------

REQUEST_TRANSITIONS = {
    RequestStatus.DRAFT: {RequestStatus.PUBLISHED},
    RequestStatus.PUBLISHED: {RequestStatus.CLOSED},
    RequestStatus.CLOSED: set(),
}

APPLICATION_TRANSITIONS = {
    ApplicationStatus.DRAFT: {ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.SUBMITTED: {
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.COMPLETION_REQUESTED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.IN_REVIEW: {
        ApplicationStatus.COMPLETION_REQUESTED,
        ApplicationStatus.DECIDED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.COMPLETION_REQUESTED: {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.DECIDED: set(),
    ApplicationStatus.WITHDRAWN: set(),
}

DECISION_TRANSITIONS = {
    DecisionStatus.PENDING: {DecisionStatus.APPROVED, DecisionStatus.REJECTED},
    DecisionStatus.APPROVED: set(),
    DecisionStatus.REJECTED: set(),
}

CONTRACT_TRANSITIONS = {
    ContractStatus.ACTIVE: {ContractStatus.SUSPENDED, ContractStatus.TERMINATED},
    ContractStatus.SUSPENDED: {ContractStatus.ACTIVE, ContractStatus.TERMINATED},
    ContractStatus.TERMINATED: set(),
}

VERSION_TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.PUBLISHED},
    VersionStatus.PUBLISHED: {VersionStatus.SUPERSEDED},
    VersionStatus.SUPERSEDED: set(),
}
