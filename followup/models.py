"""Models of the quality follow-up app: survey results and own surveys, follow-up visits with
findings and action plans, complaints and deviations (cases), and quality reports.

The in-house provider is a provider like any other, so every model here treats it the same way.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lov_portal.core.models import StatusChange
from providers.models import private_storage_callable

from .constants import (
    MIN_PUBLISHED_RESPONDENTS,
    CaseChannel,
    CaseKind,
    CaseStatus,
    ChecklistResult,
    FindingStatus,
    IndicatorUnit,
    OwnSurveyStatus,
    ReportStatus,
    ResultSource,
    Severity,
    VisitKind,
    VisitStatus,
)


def _cooperation_ids(municipality_id: int, cooperation) -> set[int]:
    ids = {municipality_id}
    if cooperation is not None:
        ids |= set(cooperation.municipalities.values_list("pk", flat=True))
    return ids


# --- Survey results ---------------------------------------------------------------------------


class Indicator(models.Model):
    """A quality indicator shown to citizens: one of Socialstyrelsen's survey questions, NKI or
    continuity. Kept as data, so a municipality's own indicators need no code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(
        _("unit"), max_length=20, choices=IndicatorUnit.choices, default=IndicatorUnit.PERCENT
    )
    # False for continuity (fewer different staff in 14 days is better).
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["ordering", "code"]

    def __str__(self) -> str:
        return self.name


class SurveyImport(models.Model):
    """One uploaded CSV of survey results: all rows or none."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="survey_imports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    file_name = models.CharField(_("file name"), max_length=255)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Of an accepted file: results added and results whose key was already there (updated).
    created = models.PositiveIntegerField(_("new results"), default=0)
    updated = models.PositiveIntegerField(_("updated results"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey import")
        verbose_name_plural = _("survey imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.file_name}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}

    @property
    def accepted(self) -> bool:
        return not self.errors


class SurveyResult(models.Model):
    """One indicator's value for one provider, municipality, service type and year.

    `respondents` below MIN_PUBLISHED_RESPONDENTS: stored, never published (`is_publishable`).
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="results")
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="survey_results"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="survey_results"
    )
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="survey_results"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=7, decimal_places=2)
    respondents = models.PositiveIntegerField(_("number of answers"))
    source = models.CharField(_("source"), max_length=20, choices=ResultSource.choices)
    survey_import = models.ForeignKey(
        SurveyImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="results"
    )
    own_survey = models.ForeignKey(
        "followup.OwnSurvey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="results",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("survey result")
        verbose_name_plural = _("survey results")
        ordering = ["year", "indicator__ordering", "provider__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "municipality", "provider", "service_type", "year"],
                name="survey_result_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.provider} {self.year}: {self.value}"

    @property
    def is_publishable(self) -> bool:
        return self.respondents >= MIN_PUBLISHED_RESPONDENTS

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


# --- Own surveys ------------------------------------------------------------------------------


class OwnSurvey(models.Model):
    """A short survey a quality officer sends to one provider's customers as links."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="own_surveys"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="own_surveys"
    )
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="own_surveys"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    free_text_question = models.CharField(_("free-text question"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OwnSurveyStatus.choices, default=OwnSurveyStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("own survey")
        verbose_name_plural = _("own surveys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


class OwnSurveyStatusChange(StatusChange):
    survey = models.ForeignKey(OwnSurvey, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=OwnSurveyStatus.choices)
    to_status = models.CharField(max_length=20, choices=OwnSurveyStatus.choices)


class OwnSurveyQuestion(models.Model):
    """A question answered on a 1–5 scale; with an indicator, its answers roll up into it
    (share answering 4 or 5, like the national survey's "very or fairly")."""

    survey = models.ForeignKey(OwnSurvey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["ordering", "pk"]

    def __str__(self) -> str:
        return self.text


class OwnSurveyLink(models.Model):
    """One link: answerable once. Only the token's hash is stored; the answer is not linked
    to the link, so answers are anonymous."""

    survey = models.ForeignKey(OwnSurvey, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class OwnSurveyResponse(models.Model):
    """One anonymous set of answers (no link, no person, only the date)."""

    survey = models.ForeignKey(OwnSurvey, on_delete=models.CASCADE, related_name="responses")
    free_text = models.TextField(_("free text"), blank=True)
    submitted_on = models.DateField(_("submitted"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.survey} {self.submitted_on}"


class OwnSurveyAnswer(models.Model):
    response = models.ForeignKey(
        OwnSurveyResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        OwnSurveyQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    score = models.PositiveSmallIntegerField(
        _("answer"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="own_answer_unique"),
            models.CheckConstraint(
                name="own_answer_score_1_5", condition=models.Q(score__gte=1, score__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.score}"


# --- Follow-up visits -------------------------------------------------------------------------


class FollowUpVisit(models.Model):
    """A planned follow-up (uppföljning/tillsyn) of one provider by one municipality. Shared with
    a cooperation, its findings are visible to the cooperation's municipalities."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="followup_visits"
    )
    cooperation = models.ForeignKey(
        "core.Cooperation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_visits",
        verbose_name=_("shared with the cooperation"),
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="followup_visits"
    )
    kind = models.CharField(_("type"), max_length=20, choices=VisitKind.choices)
    case = models.ForeignKey(
        "followup.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_visits",
        verbose_name=_("prompted by"),
    )
    planned_on = models.DateField(_("planned date"))
    carried_out_on = models.DateField(_("carried out"), null=True, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("quality officer"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["-planned_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider} {self.planned_on}"

    @property
    def municipality_ids(self) -> set[int]:
        return _cooperation_ids(self.municipality_id, self.cooperation)


class FollowUpVisitStatusChange(StatusChange):
    visit = models.ForeignKey(FollowUpVisit, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=VisitStatus.choices)
    to_status = models.CharField(max_length=20, choices=VisitStatus.choices)


class ChecklistItem(models.Model):
    """One point of the visit's checklist, copied from the contract's requirements when the
    visit is planned (the text is kept even if the request changes later)."""

    visit = models.ForeignKey(FollowUpVisit, on_delete=models.CASCADE, related_name="checklist")
    requirement = models.ForeignKey(
        "providers.Requirement", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("requirement"))
    result = models.CharField(
        _("result"),
        max_length=20,
        choices=ChecklistResult.choices,
        default=ChecklistResult.NOT_CHECKED,
    )
    comment = models.TextField(_("comment"), blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["ordering", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Finding(models.Model):
    """Something the visit found, with a severity; may require an action plan by a date."""

    visit = models.ForeignKey(FollowUpVisit, on_delete=models.CASCADE, related_name="findings")
    checklist_item = models.ForeignKey(
        ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings"
    )
    text = models.TextField(_("finding"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    plan_deadline = models.DateField(_("action plan due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.NOTED
    )
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def provider_id(self) -> int:
        return self.visit.provider_id

    @property
    def municipality_ids(self) -> set[int]:
        return self.visit.municipality_ids


class FindingStatusChange(StatusChange):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=FindingStatus.choices)
    to_status = models.CharField(max_length=20, choices=FindingStatus.choices)
    comment = models.TextField(blank=True)


class ActionPlan(models.Model):
    """The provider's answer to a finding. Each submission is a new row; the last one counts."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="action_plans")
    text = models.TextField(_("action plan"))
    done_by = models.DateField(_("measures completed by"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    review_comment = models.TextField(_("the municipality's comment"), blank=True)

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


# --- Complaints, deviations, Lex Sarah (cases) ----------------------------------------------


class Case(models.Model):
    """A complaint, a deviation or a Lex Sarah report, with a handler and a status history.

    Personal data in a case (the citizen, contact details, the description) is treated like a
    citizen's: reads and changes are audited and access is scoped."""

    reference = models.CharField(_("case number"), max_length=20, unique=True)
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="followup_cases"
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_cases",
    )
    kind = models.CharField(_("type"), max_length=20, choices=CaseKind.choices)
    channel = models.CharField(_("received through"), max_length=20, choices=CaseChannel.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what happened"))
    occurred_on = models.DateField(_("when did it happen"), null=True, blank=True)
    citizen = models.ForeignKey(
        "assessments.Citizen",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_cases",
        verbose_name=_("citizen"),
    )
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    provider_statement = models.TextField(_("the provider's statement"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


class CaseStatusChange(StatusChange):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    comment = models.TextField(blank=True)


class CaseReferenceCounter(models.Model):
    """The last case number given per prefix and year. The row is incremented with one UPDATE,
    which locks it, so two cases received at once never get the same number."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="case_reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


# --- Quality reports --------------------------------------------------------------------------


class QualityReport(models.Model):
    """A quality report (kvalitetsredovisning) for a municipality or a cooperation and a year,
    rendered to a PDF by a Celery task; the row is what the UI polls."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="quality_reports"
    )
    cooperation = models.ForeignKey(
        "core.Cooperation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quality_reports",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    steps_total = models.PositiveIntegerField(default=0)
    steps_done = models.PositiveIntegerField(default=0)
    pdf = models.FileField(_("PDF"), storage=private_storage_callable, blank=True, max_length=300)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quality report")
        verbose_name_plural = _("quality reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        scope = self.cooperation or self.municipality
        return f"{scope} {self.year}"

    @property
    def municipality_ids(self) -> set[int]:
        return _cooperation_ids(self.municipality_id, self.cooperation)

    @property
    def progress_percent(self) -> int:
        if not self.steps_total:
            return 0
        return min(100, round(100 * self.steps_done / self.steps_total))


class QualityReportStatusChange(StatusChange):
    report = models.ForeignKey(QualityReport, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=ReportStatus.choices)
    to_status = models.CharField(max_length=20, choices=ReportStatus.choices)
