"""Reads of the quality follow-up app, scoped by role and municipality. One block per area."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from assessments.constants import ChangeReason
from assessments.selectors import active_order_counts, choice_statistics
from lov_portal.accounts.constants import Role
from lov_portal.core.models import Cooperation, Municipality
from lov_portal.core.selectors import municipality_list
from lov_portal.permissions import user_scope
from providers.constants import ContractEventKind
from providers.selectors import (
    application_handling_days,
    contract_event_counts,
    contract_list_for_provider_user,
    provider_decision_counts,
    provider_list_by_ids,
    provider_list_contracted,
)

from .constants import (
    MIN_PUBLISHED_RESPONDENTS,
    OWN_SURVEY_GOOD_SCORE,
    CaseKind,
    FindingStatus,
    Severity,
    VisitStatus,
)
from .models import (
    ActionPlan,
    Case,
    Finding,
    FollowUpVisit,
    Indicator,
    OwnSurvey,
    QualityReport,
    SurveyImport,
    SurveyResult,
)

# --- Survey results and own surveys ---------------------------------------------------------


def survey_municipality_list(*, user) -> QuerySet[Municipality]:
    """The municipalities whose survey results the user manages (quality officer)."""
    ids = user_scope(user).municipality_ids(Role.QUALITY_OFFICER)
    return Municipality.objects.filter(pk__in=ids).order_by("name")


def survey_municipality_get(*, user, code: str) -> Municipality:
    return get_object_or_404(survey_municipality_list(user=user), code=code)


def indicator_list() -> QuerySet[Indicator]:
    return Indicator.objects.all()


def survey_result_list(*, user, municipality, year: int | None = None) -> QuerySet[SurveyResult]:
    """Every result of the municipality (published or not), for its quality officers."""
    results = SurveyResult.objects.filter(
        municipality__in=survey_municipality_list(user=user), municipality=municipality
    )
    if year:
        results = results.filter(year=year)
    return results.select_related("indicator", "provider", "service_type").order_by(
        "-year", "provider__name", "service_type__ordering", "indicator__ordering"
    )


def survey_result_years(*, user, municipality) -> list[int]:
    return list(
        survey_result_list(user=user, municipality=municipality)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def survey_result_get(*, user, pk: int) -> SurveyResult:
    return get_object_or_404(
        SurveyResult.objects.filter(
            municipality__in=survey_municipality_list(user=user)
        ).select_related("indicator", "provider", "service_type", "municipality"),
        pk=pk,
    )


def survey_import_list(*, user, municipality) -> QuerySet[SurveyImport]:
    return SurveyImport.objects.filter(
        municipality__in=survey_municipality_list(user=user), municipality=municipality
    ).select_related("imported_by")


def survey_import_get(*, user, pk: int) -> SurveyImport:
    return get_object_or_404(
        SurveyImport.objects.filter(
            municipality__in=survey_municipality_list(user=user)
        ).select_related("municipality", "imported_by"),
        pk=pk,
    )


@dataclass(frozen=True)
class QualityFigure:
    """One published result of one provider, beside the municipality's average."""

    indicator: Indicator
    service_name: str
    year: int
    value: Decimal
    respondents: int
    average: Decimal | None
    average_respondents: int


def published_results() -> QuerySet[SurveyResult]:
    """The only way results leave the quality officer's pages: never a group of fewer than
    MIN_PUBLISHED_RESPONDENTS (ADR 0009)."""
    return SurveyResult.objects.filter(respondents__gte=MIN_PUBLISHED_RESPONDENTS)


def published_quality(*, municipality_id: int, provider_ids) -> dict[int, list[QualityFigure]]:
    """Per provider: for each indicator and service, the latest year's published result, with
    the municipality's average of that indicator, service and year (the mean of the published
    results weighted by their number of answers). Two queries however many providers."""
    provider_ids = list(provider_ids)
    rows = list(
        published_results()
        .filter(municipality_id=municipality_id, provider_id__in=provider_ids)
        .select_related("indicator", "service_type")
        .order_by("indicator__ordering", "service_type__ordering", "-year")
    )
    latest: dict[tuple, SurveyResult] = {}
    for row in rows:
        latest.setdefault((row.provider_id, row.indicator_id, row.service_type_id), row)
    averages = {
        (a["indicator_id"], a["service_type_id"], a["year"]): a
        for a in published_results()
        .filter(municipality_id=municipality_id)
        .values("indicator_id", "service_type_id", "year")
        .annotate(
            weighted=Sum(F("value") * F("respondents"), output_field=DecimalField()),
            answers=Sum("respondents"),
        )
    }
    figures: dict[int, list[QualityFigure]] = {pk: [] for pk in provider_ids}
    for (provider_id, _indicator, _service), row in latest.items():
        average = averages.get((row.indicator_id, row.service_type_id, row.year))
        figures[provider_id].append(
            QualityFigure(
                indicator=row.indicator,
                service_name=row.service_type.name,
                year=row.year,
                value=row.value,
                respondents=row.respondents,
                average=(
                    (average["weighted"] / average["answers"]).quantize(Decimal("0.1"))
                    if average
                    else None
                ),
                average_respondents=average["answers"] if average else 0,
            )
        )
    return figures


def published_quality_rows(*, municipality_id: int, provider_ids) -> list[tuple]:
    """Every indicator, row by row, with each provider's published figures (an empty list
    where there is none: the pages say "Uppgift saknas")."""
    provider_ids = list(provider_ids)
    figures = published_quality(municipality_id=municipality_id, provider_ids=provider_ids)
    return [
        (
            indicator,
            [[f for f in figures[pk] if f.indicator.pk == indicator.pk] for pk in provider_ids],
        )
        for indicator in indicator_list()
    ]


def own_survey_list(*, user, municipality) -> QuerySet[OwnSurvey]:
    return (
        OwnSurvey.objects.filter(
            municipality__in=survey_municipality_list(user=user), municipality=municipality
        )
        .select_related("provider", "service_type")
        .annotate(response_count=Count("responses", distinct=True))
    )


def own_survey_get(*, user, pk: int) -> OwnSurvey:
    return get_object_or_404(
        OwnSurvey.objects.filter(
            municipality__in=survey_municipality_list(user=user)
        ).select_related("provider", "service_type", "municipality"),
        pk=pk,
    )


def own_survey_summary(*, survey: OwnSurvey) -> dict:
    """Counts of links and responses, and per question the answers and the share of 4–5."""
    links = survey.links.aggregate(total=Count("pk"), used=Count("used_at"))
    questions = []
    for question in survey.questions.select_related("indicator").annotate(
        answer_count=Count("answers"),
        good_count=Count("answers", filter=Q(answers__score__gte=OWN_SURVEY_GOOD_SCORE)),
    ):
        answers = question.answer_count
        questions.append(
            {
                "question": question,
                "answers": answers,
                "share": (Decimal(100) * question.good_count / answers).quantize(Decimal("0.1"))
                if answers
                else None,
                "publishable": answers >= MIN_PUBLISHED_RESPONDENTS,
            }
        )
    return {
        "links": links["total"],
        "used": links["used"],
        "responses": survey.responses.count(),
        "questions": questions,
    }


# --- Follow-up visits, findings and action plans --------------------------------------------


def _visit_officer_ids(user) -> set[int]:
    return user_scope(user).municipality_ids(Role.QUALITY_OFFICER)


def visit_municipality_list(*, user) -> QuerySet[Municipality]:
    """The municipalities the user follows up providers for (as a quality officer)."""
    return Municipality.objects.filter(pk__in=_visit_officer_ids(user)).order_by("name")


def visit_cooperation_list(*, user) -> QuerySet[Cooperation]:
    """The cooperations a visit of one of the user's municipalities may be shared with."""
    return Cooperation.objects.filter(
        Exists(
            Cooperation.municipalities.through.objects.filter(
                cooperation=OuterRef("pk"), municipality__in=_visit_officer_ids(user)
            )
        )
    ).order_by("name")


def visit_case_list(*, user) -> QuerySet[Case]:
    """Cases a visit prompted by a complaint may be linked to (the user's municipalities)."""
    return (
        Case.objects.filter(municipality__in=_visit_officer_ids(user), provider__isnull=False)
        .select_related("provider")
        .order_by("-received_at")
    )


def _overdue(today: datetime.date) -> DbCase:
    return DbCase(
        When(status=FindingStatus.AWAITING_PLAN, plan_deadline__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def finding_list_overdue(*, today: datetime.date) -> QuerySet[Finding]:
    """Findings of carried-out visits whose action plan is past its deadline."""
    return Finding.objects.filter(
        status=FindingStatus.AWAITING_PLAN,
        plan_deadline__lt=today,
        visit__status=VisitStatus.DONE,
    ).select_related("visit__provider", "visit__municipality", "visit__officer")


def visit_list_for_user(*, user) -> QuerySet[FollowUpVisit]:
    """The visits of the user's municipalities, and those other municipalities share with a
    cooperation the user's municipality belongs to."""
    ids = _visit_officer_ids(user)
    shared = Cooperation.municipalities.through.objects.filter(
        cooperation=OuterRef("cooperation"), municipality__in=ids
    )
    return (
        FollowUpVisit.objects.filter(Q(municipality__in=ids) | Q(Exists(shared)))
        .select_related("provider", "municipality", "cooperation", "case", "officer")
        .order_by("-planned_on", "-pk")
    )


def visit_list_filtered(
    *,
    user,
    today: datetime.date,
    provider_id: int | None = None,
    status: str = "",
    overdue_only: bool = False,
) -> QuerySet[FollowUpVisit]:
    visits = visit_list_for_user(user=user).annotate(
        finding_count=Count("findings", distinct=True),
        overdue_count=Count(
            "findings",
            filter=Q(
                findings__status=FindingStatus.AWAITING_PLAN,
                findings__plan_deadline__lt=today,
            ),
            distinct=True,
        ),
    )
    if provider_id:
        visits = visits.filter(provider_id=provider_id)
    if status:
        visits = visits.filter(status=status)
    if overdue_only:
        visits = visits.filter(overdue_count__gt=0)
    return visits


def visit_provider_list(*, user):
    """The providers of the visits the user sees (to filter the list by)."""
    ids = visit_list_for_user(user=user).values_list("provider_id", flat=True)
    return provider_list_by_ids(ids=set(ids)).order_by("name")


def visit_get_for_user(*, user, pk: int) -> FollowUpVisit:
    return get_object_or_404(visit_list_for_user(user=user), pk=pk)


def visit_findings(*, visit: FollowUpVisit, today: datetime.date) -> QuerySet[Finding]:
    return (
        visit.findings.select_related("checklist_item")
        .annotate(is_overdue=_overdue(today))
        .order_by("pk")
    )


def visit_history(*, visit: FollowUpVisit):
    return visit.history.select_related("actor")


def finding_get_for_user(*, user, pk: int, today: datetime.date) -> Finding:
    """A finding of a visit the user sees as a quality officer (own or shared)."""
    return get_object_or_404(
        Finding.objects.filter(visit__in=visit_list_for_user(user=user).values("pk"))
        .select_related("visit__provider", "visit__municipality", "checklist_item")
        .annotate(is_overdue=_overdue(today)),
        pk=pk,
    )


def finding_plans(*, finding: Finding) -> QuerySet[ActionPlan]:
    return finding.action_plans.select_related("submitted_by").order_by("submitted_at", "pk")


def finding_history(*, finding: Finding):
    return finding.history.select_related("actor")


def provider_visit_list_for_user(*, user, today: datetime.date) -> QuerySet[FollowUpVisit]:
    """The carried-out visits of the providers the user works for, with their findings."""
    return (
        FollowUpVisit.objects.filter(
            provider__in=user_scope(user).provider_ids,
            status__in=[VisitStatus.DONE, VisitStatus.CLOSED],
        )
        .select_related("provider", "municipality")
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.annotate(is_overdue=_overdue(today)).order_by("pk"),
            )
        )
        .order_by("-carried_out_on", "-pk")
    )


def provider_finding_get_for_user(*, user, pk: int, today: datetime.date) -> Finding:
    """A finding of a carried-out visit of one of the user's providers; any other is 404."""
    return get_object_or_404(
        Finding.objects.filter(
            visit__provider__in=user_scope(user).provider_ids,
            visit__status__in=[VisitStatus.DONE, VisitStatus.CLOSED],
        )
        .select_related("visit__provider", "visit__municipality", "checklist_item")
        .annotate(is_overdue=_overdue(today)),
        pk=pk,
    )


# --- Complaints, deviations and Lex Sarah (cases) ---------------------------------------------

# The handler filter's value for "nobody yet".
CASE_NO_HANDLER = "none"


def case_list_for_user(*, user) -> QuerySet[Case]:
    """The cases of the municipalities where the user is a quality officer."""
    ids = user_scope(user).municipality_ids(Role.QUALITY_OFFICER)
    return Case.objects.filter(municipality__in=ids).select_related(
        "municipality", "provider", "handler"
    )


def case_get_for_user(*, user, pk: int) -> Case:
    """One case of the user's municipalities; a missing one and another's give the same 404."""
    return get_object_or_404(case_list_for_user(user=user).select_related("citizen"), pk=pk)


def case_list_filtered(
    *, user, municipality=None, status="", kind="", provider=None, handler=None
) -> QuerySet[Case]:
    cases = case_list_for_user(user=user)
    if municipality is not None:
        cases = cases.filter(municipality=municipality)
    if status:
        cases = cases.filter(status=status)
    if kind:
        cases = cases.filter(kind=kind)
    if provider is not None:
        cases = cases.filter(provider=provider)
    if handler == CASE_NO_HANDLER:
        cases = cases.filter(handler__isnull=True)
    elif handler is not None:
        cases = cases.filter(handler=handler)
    return cases


def case_municipality_choices(*, user) -> QuerySet:
    """The municipalities where the user handles cases."""
    ids = user_scope(user).municipality_ids(Role.QUALITY_OFFICER)
    return municipality_list(active_only=False).filter(pk__in=ids)


def case_handler_choices(*, municipality_ids) -> QuerySet:
    """Who may handle a case of these municipalities: their active quality officers."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role=Role.QUALITY_OFFICER,
            role_assignments__municipality_id__in=municipality_ids,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def case_provider_choices(*, municipality_ids) -> QuerySet:
    """The providers with a case in these municipalities (for the list's filter)."""
    return provider_list_by_ids(
        ids=Case.objects.filter(municipality__in=municipality_ids)
        .exclude(provider=None)
        .values("provider")
    ).order_by("name")


def case_register_provider_choices(*, municipality) -> list:
    """The providers a case may be about: those in the municipality's catalogue (the in-house
    provider included), by name. (Imported here: the catalogue reads follow-up results, so
    a module-level import would be circular.)"""
    from catalog.selectors import catalogue_all

    return [entry.provider for entry in catalogue_all(municipality=municipality)]


def case_public_municipalities() -> QuerySet:
    """The municipalities the public complaint form offers."""
    return municipality_list()


def case_public_municipality_get(*, code: str):
    return get_object_or_404(municipality_list(), code=code)


def case_list_for_provider_user(*, user) -> QuerySet[Case]:
    """The cases about the providers the user works for; nobody else's."""
    return Case.objects.filter(provider__in=user_scope(user).provider_ids).select_related(
        "municipality", "provider"
    )


def case_get_for_provider_user(*, user, pk: int) -> Case:
    return get_object_or_404(case_list_for_provider_user(user=user), pk=pk)


def case_report_choices(*, user) -> list[tuple]:
    """(provider, municipality) pairs a provider user may report a deviation for: each
    municipality one of the user's providers has a contract with (any status: an event during
    a suspended contract is still reported)."""
    pairs = {
        (contract.provider, contract.municipality)
        for contract in contract_list_for_provider_user(user=user)
    }
    return sorted(pairs, key=lambda pair: (pair[0].name, pair[1].name, pair[0].pk, pair[1].pk))


# --- Quality reports --------------------------------------------------------------------------


def _report_officer_municipality_ids(user) -> set[int]:
    return set(user_scope(user).municipality_ids(Role.QUALITY_OFFICER))


def quality_report_list_for_user(*, user) -> QuerySet[QualityReport]:
    """Reports of the municipalities the user is a quality officer of, and of the cooperations
    those municipalities belong to (whichever member started them)."""
    ids = _report_officer_municipality_ids(user)
    return (
        QualityReport.objects.filter(
            Q(municipality_id__in=ids) | Q(cooperation__municipalities__in=ids)
        )
        .distinct()
        .select_related("municipality", "cooperation", "requested_by")
        .order_by("-created_at", "-pk")
    )


def quality_report_get_for_user(*, user, pk: int) -> QualityReport:
    """One report; 404 when it does not exist or is outside the user's scope alike."""
    return get_object_or_404(quality_report_list_for_user(user=user), pk=pk)


@dataclass(frozen=True)
class ReportScope:
    """What a report can be made for: one municipality, or a cooperation (made on behalf of
    one of the user's municipalities in it)."""

    key: str
    label: str
    municipality: object
    cooperation: object | None = None


def quality_report_scopes_for_user(*, user) -> list[ReportScope]:
    """The user's municipalities (as quality officer) and the cooperations they belong to."""
    municipalities = list(
        municipality_list(active_only=False)
        .filter(pk__in=_report_officer_municipality_ids(user))
        .order_by("name")
    )
    scopes = [ReportScope(f"m{m.pk}", m.name, m) for m in municipalities]
    by_id = {m.pk: m for m in municipalities}
    cooperations = (
        Cooperation.objects.filter(municipalities__in=by_id)
        .distinct()
        .prefetch_related("municipalities")
        .order_by("name")
    )
    for cooperation in cooperations:
        member = next(m for m in cooperation.municipalities.order_by("name") if m.pk in by_id)
        scopes.append(
            ReportScope(f"c{cooperation.pk}", cooperation.name, by_id[member.pk], cooperation)
        )
    return scopes


def quality_report_scope_get(*, user, key: str) -> ReportScope:
    for scope in quality_report_scopes_for_user(user=user):
        if scope.key == key:
            return scope
    raise LookupError(key)


# The content of a report: what selectors hand to followup/report_document.py. Results below
# MIN_PUBLISHED_RESPONDENTS are replaced here by a reason, so no number of theirs goes further.


@dataclass
class ReportResultRow:
    provider: str
    in_house: bool
    value: Decimal | None = None
    respondents: int | None = None
    # "" (a published value), "no_data" (no result) or "too_few" (fewer than 5 answers).
    missing: str = ""


@dataclass
class ReportMunicipalityGroup:
    municipality: str
    rows: list[ReportResultRow]
    # Weighted by answers, over published results only (an average that used a group of 4
    # could be solved back to that group's value).
    average: Decimal | None = None
    respondents: int = 0


@dataclass
class ReportIndicatorSection:
    indicator: Indicator
    groups: list[ReportMunicipalityGroup]


@dataclass
class ReportVisitRow:
    municipality: str
    provider: str
    in_house: bool
    visits_done: int = 0
    visits_planned: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Severity, 0))
    plans_awaiting: int = 0
    plans_accepted: int = 0


@dataclass
class ReportCaseRow:
    municipality: str
    provider: str
    in_house: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CaseKind, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ReportContent:
    year: int
    scope_name: str
    is_cooperation: bool
    municipalities: list[str]
    indicators: list[ReportIndicatorSection]
    visits: list[ReportVisitRow]
    cases: list[ReportCaseRow]


def _report_provider_key(provider) -> tuple:
    """In-house first, then private, by name."""
    return (not provider.is_in_house, provider.name.casefold(), provider.pk)


def _report_weighted(pairs: list[tuple[Decimal, int]]) -> tuple[Decimal | None, int]:
    answers = sum(n for _value, n in pairs)
    if not answers:
        return None, 0
    total = sum((value * n for value, n in pairs), Decimal(0))
    return (total / answers).quantize(Decimal("0.01")), answers


def quality_report_content(*, report: QualityReport) -> ReportContent:
    """Everything the report shows, for the report's municipalities and year.

    Per indicator and municipality: each provider's value (over its service types, weighted
    by answers), in-house first; the providers with an active contract and no result are
    listed as "no data". Follow-up visits (not cancelled) per provider with their findings by
    severity, and complaints, deviations and Lex Sarah reports per provider, counted by year.
    """
    year = report.year
    municipalities = list(
        municipality_list(active_only=False).filter(pk__in=report.municipality_ids).order_by("name")
    )
    municipality_ids = [m.pk for m in municipalities]

    results = SurveyResult.objects.filter(
        municipality_id__in=municipality_ids, year=year
    ).select_related("provider")
    # (municipality, indicator, provider) -> published (value, answers) pairs, and whether a
    # result exists at all.
    published: dict[tuple[int, int, int], list[tuple[Decimal, int]]] = defaultdict(list)
    present: set[tuple[int, int, int]] = set()
    providers_by_municipality: dict[int, dict[int, object]] = defaultdict(dict)
    for result in results:
        key = (result.municipality_id, result.indicator_id, result.provider_id)
        present.add(key)
        providers_by_municipality[result.municipality_id][result.provider_id] = result.provider
        if result.respondents >= MIN_PUBLISHED_RESPONDENTS:
            published[key].append((result.value, result.respondents))
    for municipality in municipalities:
        for provider in provider_list_contracted(municipality=municipality):
            providers_by_municipality[municipality.pk].setdefault(provider.pk, provider)

    sections = []
    for indicator in indicator_list():
        groups = []
        for municipality in municipalities:
            providers = sorted(
                providers_by_municipality[municipality.pk].values(), key=_report_provider_key
            )
            rows = []
            municipality_pairs: list[tuple[Decimal, int]] = []
            for provider in providers:
                key = (municipality.pk, indicator.pk, provider.pk)
                row = ReportResultRow(provider=provider.name, in_house=provider.is_in_house)
                if published.get(key):
                    row.value, row.respondents = _report_weighted(published[key])
                    municipality_pairs += published[key]
                else:
                    row.missing = "too_few" if key in present else "no_data"
                rows.append(row)
            if not rows:
                continue
            average, answers = _report_weighted(municipality_pairs)
            groups.append(
                ReportMunicipalityGroup(
                    municipality=municipality.name,
                    rows=rows,
                    average=average,
                    respondents=answers,
                )
            )
        sections.append(ReportIndicatorSection(indicator=indicator, groups=groups))

    return ReportContent(
        year=year,
        scope_name=report.cooperation.name if report.cooperation else report.municipality.name,
        is_cooperation=report.cooperation_id is not None,
        municipalities=[m.name for m in municipalities],
        indicators=sections,
        visits=_report_visit_rows(municipality_ids, year),
        cases=_report_case_rows(municipality_ids, year),
    )


def _report_visit_rows(municipality_ids: list[int], year: int) -> list[ReportVisitRow]:
    in_year = Q(carried_out_on__year=year) | Q(carried_out_on__isnull=True, planned_on__year=year)
    visits = (
        FollowUpVisit.objects.filter(in_year, municipality_id__in=municipality_ids)
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("municipality", "provider")
    )
    rows: dict[tuple[int, int], ReportVisitRow] = {}
    for visit in visits:
        key = (visit.municipality_id, visit.provider_id)
        row = rows.setdefault(
            key,
            ReportVisitRow(
                municipality=visit.municipality.name,
                provider=visit.provider.name,
                in_house=visit.provider.is_in_house,
            ),
        )
        if visit.status == VisitStatus.PLANNED:
            row.visits_planned += 1
        else:
            row.visits_done += 1
    findings = Finding.objects.filter(visit__in=visits).values_list(
        "visit__municipality_id", "visit__provider_id", "severity", "status"
    )
    for municipality_id, provider_id, severity, status in findings:
        row = rows[(municipality_id, provider_id)]
        row.findings[severity] = row.findings.get(severity, 0) + 1
        if status in (FindingStatus.AWAITING_PLAN, FindingStatus.PLAN_SUBMITTED):
            row.plans_awaiting += 1
        elif status == FindingStatus.PLAN_ACCEPTED:
            row.plans_accepted += 1
    return sorted(
        rows.values(),
        key=lambda r: (r.municipality, not r.in_house, r.provider.casefold()),
    )


def _report_case_rows(municipality_ids: list[int], year: int) -> list[ReportCaseRow]:
    """Counts only: no personal data of a case leaves this function."""
    counted = (
        Case.objects.filter(municipality_id__in=municipality_ids, received_at__year=year)
        .values_list("municipality__name", "provider__name", "provider__is_in_house", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows: dict[tuple[str, str | None], ReportCaseRow] = {}
    for municipality_name, provider_name, in_house, kind, n in counted:
        row = rows.setdefault(
            (municipality_name, provider_name),
            ReportCaseRow(
                municipality=municipality_name,
                provider=provider_name or "",
                in_house=bool(in_house),
            ),
        )
        row.counts[kind] = n
    return sorted(
        rows.values(),
        key=lambda r: (r.municipality, r.provider == "", not r.in_house, r.provider.casefold()),
    )


# --- Board statistics -------------------------------------------------------------------------

STATISTICS_ROLES = (Role.BOARD_REVIEWER, Role.QUALITY_OFFICER, Role.MUNICIPAL_ADMIN)


def statistics_municipality_list(*, user) -> QuerySet:
    """The municipalities whose board statistics the user may see: their own, as a board
    reviewer, quality officer or municipal administrator (never a cooperation partner's)."""
    ids = user_scope(user).municipality_ids(*STATISTICS_ROLES)
    return municipality_list().filter(pk__in=ids).order_by("name")


def statistics_municipality_get(*, user, code: str):
    """One of the user's municipalities by its code; any other gives 404."""
    municipality = get_object_or_404(statistics_municipality_list(user=user), code=code)
    if not user.has_perm("followup.view_statistics", municipality):
        raise Http404
    return municipality


@dataclass
class StatisticsRow:
    key: str
    label: str
    # One value per month (None: a month that has not ended yet), then the year's.
    months: list
    total: object = None


@dataclass
class StatisticsTable:
    key: str
    title: str
    description: str
    rows: list[StatisticsRow] = field(default_factory=list)
    total_label: str = ""


@dataclass
class BoardStatistics:
    municipality: object
    year: int
    months: list[date]
    # Months after `shown_until` have not begun: their cells are empty.
    shown_until: int
    tables: list[StatisticsTable]

    def table(self, key: str) -> StatisticsTable:
        return next(t for t in self.tables if t.key == key)


def _months_row(key, label, counts: dict, shown: int, *, zero=0) -> StatisticsRow:
    return StatisticsRow(
        key=key,
        label=label,
        months=[counts.get(m, zero) if m <= shown else None for m in range(1, 13)],
        total=counts.get(0, zero),
    )


def _median(values: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1")) if values else None


def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def board_statistics(*, municipality, year: int, today: date) -> BoardStatistics:
    """The board's figures for one municipality and year, month by month (docs/
    board-statistics.md defines each). Grouped queries of the assessments and providers apps;
    months that have not begun are left empty."""
    shown = 12 if year < today.year else (today.month if year == today.year else 0)
    choices = choice_statistics(municipality_id=municipality.pk, year=year)
    decisions = provider_decision_counts(municipality_id=municipality.pk, year=year)
    events = contract_event_counts(
        municipality_id=municipality.pk,
        year=year,
        kinds=[ContractEventKind.SUSPENSION, ContractEventKind.TERMINATION],
    )
    handling = application_handling_days(municipality_id=municipality.pk, year=year)
    orders = active_order_counts(municipality_id=municipality.pk, year=year, until=today)

    citizens = StatisticsTable(
        "choices",
        gettext("Citizens' choices"),
        gettext(
            "Citizens who chose a provider themselves and citizens who got the no-choice "
            "alternative (each citizen once a month), and changes of provider."
        ),
        [
            _months_row("chose", gettext("Chose a provider"), choices["chose"], shown),
            _months_row(
                "no_choice", gettext("Got the no-choice alternative"), choices["no_choice"], shown
            ),
            _months_row("changes", gettext("Changes of provider"), choices["changes"], shown),
        ],
        total_label=gettext("Year"),
    )
    reason_labels = dict(ChangeReason.choices)
    reasons = StatisticsTable(
        "reasons",
        gettext("Reasons for changes of provider"),
        gettext(
            "The reason the citizen gave when changing provider, as the needs assessor recorded it."
        ),
        [
            _months_row(
                f"reason_{value}", str(label), choices["changes_by_reason"].get(value, {}), shown
            )
            for value, label in reason_labels.items()
        ],
        total_label=gettext("Year"),
    )
    if "" in choices["changes_by_reason"]:
        reasons.rows.append(
            _months_row(
                "reason_not_recorded",
                gettext("Not recorded"),
                choices["changes_by_reason"][""],
                shown,
            )
        )
    providers = StatisticsTable(
        "providers",
        gettext("Providers"),
        gettext(
            "Providers the board approved or rejected (by decision date), and providers whose "
            "contract was suspended or terminated."
        ),
        [
            _months_row(
                "approved", gettext("Providers approved"), decisions.get("approved", {}), shown
            ),
            _months_row(
                "rejected", gettext("Providers rejected"), decisions.get("rejected", {}), shown
            ),
            _months_row(
                "suspended",
                gettext("Providers suspended"),
                events.get(ContractEventKind.SUSPENSION, {}),
                shown,
            ),
            _months_row(
                "terminated",
                gettext("Providers terminated"),
                events.get(ContractEventKind.TERMINATION, {}),
                shown,
            ),
        ],
        total_label=gettext("Year"),
    )
    by_month: dict[int, list[int]] = {}
    for month, days in handling:
        by_month.setdefault(month, []).append(days)
    all_days = [days for _month, days in handling]

    def handling_row(key, label, function):
        return StatisticsRow(
            key=key,
            label=label,
            months=[function(by_month.get(m, [])) if m <= shown else None for m in range(1, 13)],
            total=function(all_days),
        )

    handling_table = StatisticsTable(
        "handling",
        gettext("Application handling time"),
        gettext(
            "Days from the application's first submission to the board's decision, by the "
            "month of the decision."
        ),
        [
            handling_row("decisions", gettext("Decisions"), len),
            handling_row("median_days", gettext("Median, days"), _median),
            handling_row("mean_days", gettext("Mean, days"), _mean),
        ],
        total_label=gettext("Year"),
    )
    in_house = gettext("in-house")
    order_table = StatisticsTable(
        "orders",
        gettext("Orders per provider"),
        gettext(
            "Orders active at the end of each month (for the current month: today); the year "
            "column counts the orders active on some day of the year."
        ),
        [
            _months_row(
                f"provider_{row['provider_id']}",
                f"{row['name']} ({in_house})" if row["is_in_house"] else row["name"],
                row["months"],
                shown,
            )
            for row in orders
        ],
        total_label=gettext("During the year"),
    )
    return BoardStatistics(
        municipality=municipality,
        year=year,
        months=[date(year, m, 1) for m in range(1, 13)],
        shown_until=shown,
        tables=[citizens, reasons, providers, handling_table, order_table],
    )
