"""Choices (TextChoices) of the quality follow-up app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Results from fewer respondents than this are stored but never published (domain.md:
# "Results for groups of fewer than 5 respondents are not published").
MIN_PUBLISHED_RESPONDENTS = 5
# Own surveys: the share answering this or more on the 1–5 scale rolls up into an indicator.
OWN_SURVEY_GOOD_SCORE = 4


class IndicatorUnit(models.TextChoices):
    PERCENT = "percent", _("Per cent")
    INDEX = "index", _("Index (0–100)")
    COUNT = "count", _("Number")


class ResultSource(models.TextChoices):
    IMPORT = "import", _("Imported file")
    MANUAL = "manual", _("Entered by hand")
    OWN_SURVEY = "own_survey", _("Own survey")


class OwnSurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


OWN_SURVEY_TRANSITIONS: dict[str, set[str]] = {
    OwnSurveyStatus.DRAFT: {OwnSurveyStatus.OPEN},
    OwnSurveyStatus.OPEN: {OwnSurveyStatus.CLOSED},
    OwnSurveyStatus.CLOSED: set(),
}


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("Routine follow-up")
    COMPLAINT = "complaint", _("Prompted by a complaint")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Carried out")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


VISIT_TRANSITIONS: dict[str, set[str]] = {
    VisitStatus.PLANNED: {VisitStatus.DONE, VisitStatus.CANCELLED},
    VisitStatus.DONE: {VisitStatus.CLOSED},
    VisitStatus.CLOSED: set(),
    VisitStatus.CANCELLED: set(),
}


class ChecklistResult(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked")
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class FindingStatus(models.TextChoices):
    # No action plan asked for: the finding is noted and done.
    NOTED = "noted", _("Noted")
    AWAITING_PLAN = "awaiting_plan", _("Awaiting action plan")
    PLAN_SUBMITTED = "plan_submitted", _("Action plan submitted")
    PLAN_ACCEPTED = "plan_accepted", _("Action plan accepted")


FINDING_TRANSITIONS: dict[str, set[str]] = {
    FindingStatus.NOTED: set(),
    FindingStatus.AWAITING_PLAN: {FindingStatus.PLAN_SUBMITTED},
    # Returned to the provider for a better plan, or accepted.
    FindingStatus.PLAN_SUBMITTED: {FindingStatus.AWAITING_PLAN, FindingStatus.PLAN_ACCEPTED},
    FindingStatus.PLAN_ACCEPTED: set(),
}


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    DEVIATION = "deviation", _("Deviation")
    LEX_SARAH = "lex_sarah", _("Lex Sarah report (impropriety)")


class CaseChannel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public form")
    STAFF = "staff", _("Registered by municipal staff")
    PROVIDER = "provider", _("Reported by the provider")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Being investigated")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.RECEIVED: {CaseStatus.INVESTIGATING, CaseStatus.ANSWERED, CaseStatus.CLOSED},
    CaseStatus.INVESTIGATING: {CaseStatus.ANSWERED, CaseStatus.CLOSED},
    CaseStatus.ANSWERED: {CaseStatus.INVESTIGATING, CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.QUEUED: {ReportStatus.RUNNING, ReportStatus.FAILED},
    ReportStatus.RUNNING: {ReportStatus.DONE, ReportStatus.FAILED},
    ReportStatus.DONE: set(),
    ReportStatus.FAILED: set(),
}


# The earliest year reports and statistics offer: LOV came into force on 1 January 2009.
LOV_FIRST_YEAR = 2009
