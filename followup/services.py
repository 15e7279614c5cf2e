"""Writes of the quality follow-up app. One block per area; every service is atomic and audits
in the same transaction."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.selectors import citizen_find_in_municipality
from lov_portal.accounts.constants import Role
from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.workflow import status_history, transition
from lov_portal.permissions import user_scope

from . import report_document, selectors, tasks
from .constants import (
    CASE_TRANSITIONS,
    FINDING_TRANSITIONS,
    LOV_FIRST_YEAR,
    OWN_SURVEY_GOOD_SCORE,
    OWN_SURVEY_TRANSITIONS,
    REPORT_TRANSITIONS,
    VISIT_TRANSITIONS,
    CaseChannel,
    CaseKind,
    CaseStatus,
    ChecklistResult,
    FindingStatus,
    OwnSurveyStatus,
    ReportStatus,
    ResultSource,
    VisitKind,
    VisitStatus,
)
from .models import (
    ActionPlan,
    Case,
    CaseReferenceCounter,
    CaseStatusChange,
    ChecklistItem,
    Finding,
    FindingStatusChange,
    FollowUpVisit,
    FollowUpVisitStatusChange,
    Indicator,
    OwnSurvey,
    OwnSurveyAnswer,
    OwnSurveyLink,
    OwnSurveyQuestion,
    OwnSurveyResponse,
    OwnSurveyStatusChange,
    QualityReport,
    QualityReportStatusChange,
    SurveyImport,
    SurveyResult,
)
from .selectors import case_register_provider_choices, case_report_choices
from .survey_imports import clean_row, read_csv, value_range_error

# --- Survey results and own surveys ---------------------------------------------------------


def _results_changed() -> None:
    """Survey results are shown in the catalogue: let its cache go stale after commit."""
    from catalog.selectors import catalogue_changed

    transaction.on_commit(catalogue_changed)


def _require_surveys(actor, municipality) -> None:
    if not actor.has_perm("followup.manage_surveys", municipality):
        raise PermissionDenied


@transaction.atomic
def survey_result_save(
    *,
    municipality,
    provider,
    service_type,
    indicator,
    year: int,
    value: Decimal,
    respondents: int,
    actor,
    source: str = ResultSource.MANUAL,
    survey_import=None,
) -> tuple[SurveyResult, bool]:
    """Store one result, or change the one with the same indicator, provider, service and
    year. Returns (result, created)."""
    if actor is not None and survey_import is None:
        _require_surveys(actor, municipality)
    error = value_range_error(value, indicator.unit)
    if error:
        raise ValidationError({"value": error})
    if respondents < 1:
        raise ValidationError({"respondents": _("The number of answers must be at least 1.")})
    result, created = SurveyResult.objects.select_for_update().get_or_create(
        indicator=indicator,
        municipality=municipality,
        provider=provider,
        service_type=service_type,
        year=year,
        defaults={
            "value": value,
            "respondents": respondents,
            "source": source,
            "survey_import": survey_import,
            "updated_by": actor,
        },
    )
    if not created:
        result.value = value
        result.respondents = respondents
        result.source = source
        result.survey_import = survey_import
        result.updated_by = actor
        result.save()
    if survey_import is None:
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=result,
            message=f"{indicator.code} {provider} {service_type.code} {year}: "
            f"{value} ({respondents})",
            municipality_code=municipality.code,
        )
    _results_changed()
    return result, created


@transaction.atomic
def survey_results_import(*, municipality, year: int, uploaded_file, actor) -> SurveyImport:
    """Import a CSV file of survey results (docs/quality-surveys.md): every row or none.

    A file that cannot be read raises ValidationError (nothing is kept). A file with bad rows
    is kept as a SurveyImport with every row's line number and reasons, and no result is
    saved; otherwise every row is saved (a row with an existing key changes that result)."""
    from lov_portal.core.selectors import service_type_list
    from providers.selectors import provider_list_for_municipality

    _require_surveys(actor, municipality)
    rows = read_csv(uploaded_file.read())
    providers = {
        p.organisation_number.replace("-", ""): p
        for p in provider_list_for_municipality(municipality_id=municipality.pk)
    }
    services = {s.code.lower(): s for s in service_type_list()}
    indicators = {i.code: i for i in Indicator.objects.all()}
    errors: list[dict] = []
    valid = []
    seen: dict[tuple, int] = {}
    for raw in rows:
        row, reasons = clean_row(raw)
        if row is not None:
            provider = providers.get(row.organisation_number.replace("-", ""))
            if provider is None:
                reasons.append(
                    _("No provider with organisation number %(number)s has a contract with %(m)s.")
                    % {"number": row.organisation_number, "m": municipality.name}
                )
            service = services.get(row.service)
            if service is None:
                reasons.append(
                    _("Unknown service “%(code)s”. Use one of: %(codes)s.")
                    % {"code": row.service, "codes": ", ".join(sorted(services))}
                )
            indicator = indicators.get(row.indicator)
            if indicator is None:
                reasons.append(
                    _("Unknown indicator “%(code)s”. Use one of: %(codes)s.")
                    % {"code": row.indicator, "codes": ", ".join(indicators)}
                )
            else:
                range_error = value_range_error(row.value, indicator.unit)
                if range_error:
                    reasons.append(range_error)
            row_year = row.year or year
            if not reasons:
                key = (indicator.pk, provider.pk, service.pk, row_year)
                if key in seen:
                    reasons.append(
                        _("The same provider, service, indicator and year as line %(line)s.")
                        % {"line": seen[key]}
                    )
                else:
                    seen[key] = row.line
                    valid.append((row, provider, service, indicator, row_year))
        if reasons:
            errors.append({"line": raw["line"], "reasons": reasons})
    survey_import = SurveyImport.objects.create(
        municipality=municipality,
        year=year,
        file_name=getattr(uploaded_file, "name", "")[:255],
        rows=len(rows),
        errors=errors,
        imported_by=actor,
    )
    if not errors:
        for row, provider, service, indicator, row_year in valid:
            _result, created = survey_result_save(
                municipality=municipality,
                provider=provider,
                service_type=service,
                indicator=indicator,
                year=row_year,
                value=row.value,
                respondents=row.respondents,
                source=ResultSource.IMPORT,
                survey_import=survey_import,
                actor=actor,
            )
            if created:
                survey_import.created += 1
            else:
                survey_import.updated += 1
        survey_import.save(update_fields=["created", "updated"])
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=survey_import,
        message=(
            f"{survey_import.file_name}: {survey_import.created} new, "
            f"{survey_import.updated} updated"
            if not errors
            else f"{survey_import.file_name}: rejected, {len(errors)} bad rows"
        ),
        municipality_code=municipality.code,
    )
    return survey_import


OWN_SURVEY_MAX_LINKS = 1000


def _own_survey_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def own_survey_create(
    *,
    municipality,
    provider,
    service_type,
    year: int,
    title: str,
    questions: list[tuple[str, Indicator | None]],
    introduction: str = "",
    free_text_question: str = "",
    actor,
) -> OwnSurvey:
    """A draft survey with its questions (text, optional indicator), in the order given."""
    _require_surveys(actor, municipality)
    questions = [(text.strip(), ind) for text, ind in questions if text.strip()]
    if not questions:
        raise ValidationError({"questions": _("Write at least one question.")})
    indicators = [ind.pk for _text, ind in questions if ind is not None]
    if len(indicators) != len(set(indicators)):
        raise ValidationError(
            {"questions": _("Each indicator can be tied to one question of a survey.")}
        )
    survey = OwnSurvey.objects.create(
        municipality=municipality,
        provider=provider,
        service_type=service_type,
        year=year,
        title=title.strip(),
        introduction=introduction.strip(),
        free_text_question=free_text_question.strip(),
        created_by=actor,
    )
    OwnSurveyQuestion.objects.bulk_create(
        OwnSurveyQuestion(survey=survey, text=text, indicator=ind, ordering=n)
        for n, (text, ind) in enumerate(questions)
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=survey,
        message=f"{survey.title}: {provider}",
        municipality_code=municipality.code,
    )
    return survey


def own_survey_transition(*, survey: OwnSurvey, to: str, actor) -> OwnSurvey:
    """The one way an own survey's status changes (OWN_SURVEY_TRANSITIONS)."""
    return transition(
        obj=survey,
        to=to,
        actor=actor,
        allowed=OWN_SURVEY_TRANSITIONS,
        history=status_history(OwnSurveyStatusChange, "survey", actor),
        may=lambda user, obj: user.has_perm("followup.manage_surveys", obj),
    )


@transaction.atomic
def own_survey_open(*, survey: OwnSurvey, actor) -> OwnSurvey:
    return own_survey_transition(survey=survey, to=OwnSurveyStatus.OPEN, actor=actor)


@transaction.atomic
def own_survey_links_create(*, survey: OwnSurvey, count: int, actor) -> list[str]:
    """`count` one-time links' tokens, returned once: only their SHA-256 is kept."""
    if not actor.has_perm("followup.manage_surveys", survey):
        raise PermissionDenied
    if survey.status != OwnSurveyStatus.OPEN:
        raise ValidationError({"count": _("Links can be made while the survey is open.")})
    if not 1 <= count <= OWN_SURVEY_MAX_LINKS:
        raise ValidationError(
            {"count": _("Make between 1 and %(max)s links.") % {"max": OWN_SURVEY_MAX_LINKS}}
        )
    tokens = [secrets.token_urlsafe(24) for _n in range(count)]
    OwnSurveyLink.objects.bulk_create(
        OwnSurveyLink(survey=survey, token_hash=_own_survey_token_hash(t)) for t in tokens
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=survey,
        message=f"{count} survey links",
        municipality_code=survey.municipality.code,
    )
    return tokens


def own_survey_link_get(*, token: str) -> OwnSurveyLink | None:
    """The open survey's unused link for a token, or None (unknown, used or closed)."""
    return (
        OwnSurveyLink.objects.filter(
            token_hash=_own_survey_token_hash(token),
            used_at__isnull=True,
            survey__status=OwnSurveyStatus.OPEN,
        )
        .select_related("survey")
        .first()
    )


@transaction.atomic
def own_survey_answer(*, token: str, scores: dict[int, int], free_text: str = "") -> bool:
    """Store one anonymous response for a link, once. `scores`: question id → 1–5 (questions
    left out are unanswered). The response is not tied to the link; the link is only marked
    used, under its row lock, so two submissions of the same link save one response. Returns
    False when the link cannot be used (unknown, used, or the survey is not open)."""
    link = (
        OwnSurveyLink.objects.select_for_update()
        .filter(
            token_hash=_own_survey_token_hash(token),
            used_at__isnull=True,
            survey__status=OwnSurveyStatus.OPEN,
        )
        .first()
    )
    if link is None:
        return False
    questions = {q.pk for q in link.survey.questions.all()}
    answers = {pk: score for pk, score in scores.items() if pk in questions}
    if any(not 1 <= score <= 5 for score in answers.values()):
        raise ValidationError(_("Answer on the scale 1 to 5."))
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    response = OwnSurveyResponse.objects.create(
        survey=link.survey, free_text=free_text.strip()[:4000], submitted_on=timezone.localdate()
    )
    OwnSurveyAnswer.objects.bulk_create(
        OwnSurveyAnswer(response=response, question_id=pk, score=score)
        for pk, score in answers.items()
    )
    return True


@transaction.atomic
def own_survey_close(*, survey: OwnSurvey, actor) -> list[str]:
    """Close the survey and roll its answers up into the indicators: per question tied to an
    indicator, the share answering 4 or 5 (per cent) of those who answered it. A result
    imported from the national survey for the same key is kept, not overwritten. Returns the
    names of the indicators skipped for that reason."""
    survey = own_survey_transition(survey=survey, to=OwnSurveyStatus.CLOSED, actor=actor)
    skipped: list[str] = []
    for question in survey.questions.select_related("indicator").filter(indicator__isnull=False):
        scores = list(question.answers.values_list("score", flat=True))
        if not scores:
            continue
        existing = SurveyResult.objects.filter(
            indicator=question.indicator,
            municipality=survey.municipality,
            provider=survey.provider,
            service_type=survey.service_type,
            year=survey.year,
        ).first()
        if existing is not None and existing.source == ResultSource.IMPORT:
            skipped.append(question.indicator.name)
            continue
        good = sum(1 for score in scores if score >= OWN_SURVEY_GOOD_SCORE)
        value = (Decimal(100) * good / len(scores)).quantize(Decimal("0.01"))
        result, _created = survey_result_save(
            municipality=survey.municipality,
            provider=survey.provider,
            service_type=survey.service_type,
            indicator=question.indicator,
            year=survey.year,
            value=value,
            respondents=len(scores),
            source=ResultSource.OWN_SURVEY,
            actor=actor,
        )
        result.own_survey = survey
        result.save(update_fields=["own_survey"])
    return skipped


# --- Follow-up visits, findings and action plans --------------------------------------------

# A visit's checklist and findings are recorded while it is planned or carried out.
VISIT_EDITABLE = {VisitStatus.PLANNED, VisitStatus.DONE}
# The provider sees a visit's summary and findings once the visit is carried out.
VISIT_SHOWN_TO_PROVIDER = {VisitStatus.DONE, VisitStatus.CLOSED}
# A visit may be closed when every finding is one of these.
FINDING_SETTLED = {FindingStatus.NOTED, FindingStatus.PLAN_ACCEPTED}
# An overdue plan is reminded at most this often.
REMINDER_INTERVAL_DAYS = 7


def visit_may_change(user, visit: FollowUpVisit) -> bool:
    """Only the owning municipality's quality officers change a visit; the other municipalities
    of a cooperation it is shared with read it."""
    if user is None:
        return True
    return user.has_perm("followup.manage_visits", visit) and visit.municipality_id in user_scope(
        user
    ).municipality_ids(Role.QUALITY_OFFICER)


def _require_visit_change(actor, visit: FollowUpVisit) -> None:
    if not visit_may_change(actor, visit):
        raise PermissionDenied


def _require_editable(visit: FollowUpVisit) -> None:
    if visit.status not in VISIT_EDITABLE:
        raise ValidationError(
            _("The visit is %(status)s: its checklist and findings can no longer be changed.")
            % {"status": visit.get_status_display().lower()}
        )


def visit_transition(visit: FollowUpVisit, to: str, actor, **kwargs) -> FollowUpVisit:
    """The one way a visit's status changes (VISIT_TRANSITIONS), by its owning officers."""
    return transition(
        obj=visit,
        to=to,
        actor=actor,
        allowed=VISIT_TRANSITIONS,
        history=status_history(FollowUpVisitStatusChange, "visit", actor),
        may=visit_may_change,
        **kwargs,
    )


def _may_answer(user, finding: Finding) -> bool:
    return (
        user.has_perm("followup.answer_finding", finding)
        and finding.visit.status in VISIT_SHOWN_TO_PROVIDER
    )


def _may_review(user, finding: Finding) -> bool:
    return visit_may_change(user, finding.visit)


def finding_transition(
    finding: Finding, to: str, actor, *, provider_side: bool = False, comment: str = "", **kwargs
) -> Finding:
    """The one way a finding's status changes (FINDING_TRANSITIONS): the provider submits a
    plan; the owning municipality's officers accept or return it."""
    return transition(
        obj=finding,
        to=to,
        actor=actor,
        allowed=FINDING_TRANSITIONS,
        history=status_history(FindingStatusChange, "finding", actor, comment),
        may=_may_answer if provider_side else _may_review,
        comment=comment,
        **kwargs,
    )


def _notify(finding_ids: list[int], event: str) -> None:
    if finding_ids:
        transaction.on_commit(lambda: tasks.notify_findings.delay(finding_ids, event))


@transaction.atomic
def visit_plan(
    *,
    municipality,
    provider,
    kind: str,
    planned_on: datetime.date,
    purpose: str = "",
    case=None,
    cooperation=None,
    officer=None,
    actor,
) -> FollowUpVisit:
    """Plan a follow-up visit of a provider with an active contract in the municipality; its
    checklist is copied from the requirements the contract was made on. The officer is the
    actor, unless the system plans it (demo data) for a named officer."""
    from providers.selectors import contract_active_get, contract_requirement_list

    visit = FollowUpVisit(
        municipality=municipality,
        provider=provider,
        kind=kind,
        planned_on=planned_on,
        purpose=purpose.strip(),
        officer=officer or actor,
    )
    _require_visit_change(actor, visit)
    errors = {}
    contract = contract_active_get(municipality=municipality, provider=provider)
    if contract is None:
        errors["provider"] = _("The provider has no active contract in the municipality.")
    if case is not None:
        if kind != VisitKind.COMPLAINT:
            errors["case"] = _("Only a visit prompted by a complaint is linked to a case.")
        elif case.municipality_id != municipality.pk or case.provider_id != provider.pk:
            errors["case"] = _("The case must be about the same provider and municipality.")
    if (
        cooperation is not None
        and not cooperation.municipalities.filter(pk=municipality.pk).exists()
    ):
        errors["cooperation"] = _("The municipality is not part of that cooperation.")
    if errors:
        raise ValidationError(errors)
    visit.case = case
    visit.cooperation = cooperation
    visit.save()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(visit=visit, requirement=requirement, text=requirement.text, ordering=n)
        for n, requirement in enumerate(contract_requirement_list(contract=contract), start=1)
    )
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=visit, message="planned")
    return visit


@transaction.atomic
def checklist_item_add(*, visit: FollowUpVisit, text: str, actor) -> ChecklistItem:
    _require_visit_change(actor, visit)
    _require_editable(visit)
    if not text.strip():
        raise ValidationError({"text": _("Write the point to check.")})
    last = visit.checklist.order_by("-ordering").values_list("ordering", flat=True).first() or 0
    item = ChecklistItem.objects.create(visit=visit, text=text.strip(), ordering=last + 1)
    audit_event_record(
        actor=actor, action=AuditAction.UPDATE, obj=visit, message=f"checklist item {item.pk}"
    )
    return item


@transaction.atomic
def checklist_record(*, visit: FollowUpVisit, entries: dict[int, tuple[str, str]], actor) -> int:
    """Record results and comments: entries maps a checklist item's id to (result, comment).
    Returns how many items changed."""
    _require_visit_change(actor, visit)
    _require_editable(visit)
    changed = []
    for item in visit.checklist.select_for_update():
        if item.pk not in entries:
            continue
        result, comment = entries[item.pk]
        if result not in ChecklistResult.values:
            raise ValidationError(_("Unknown result."))
        comment = comment.strip()
        if (item.result, item.comment) != (result, comment):
            item.result, item.comment = result, comment
            changed.append(item)
    ChecklistItem.objects.bulk_update(changed, ["result", "comment"])
    if changed:
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=visit,
            message="checklist recorded",
            details={"items": [item.pk for item in changed]},
        )
    return len(changed)


@transaction.atomic
def finding_add(
    *,
    visit: FollowUpVisit,
    text: str,
    severity: str,
    checklist_item: ChecklistItem | None = None,
    plan_deadline: datetime.date | None = None,
    actor,
    today: datetime.date | None = None,
) -> Finding:
    """A finding of the visit. With a deadline the provider is asked for an action plan
    (AWAITING_PLAN), otherwise it is only noted (NOTED)."""
    _require_visit_change(actor, visit)
    _require_editable(visit)
    today = today or timezone.localdate()
    errors = {}
    if not text.strip():
        errors["text"] = _("Describe the finding.")
    if checklist_item is not None and checklist_item.visit_id != visit.pk:
        errors["checklist_item"] = _("The checklist item belongs to another visit.")
    if plan_deadline is not None and plan_deadline < today:
        errors["plan_deadline"] = _("The deadline cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    finding = Finding.objects.create(
        visit=visit,
        text=text.strip(),
        severity=severity,
        checklist_item=checklist_item,
        plan_deadline=plan_deadline,
        status=FindingStatus.AWAITING_PLAN if plan_deadline else FindingStatus.NOTED,
    )
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=finding, message=severity)
    if finding.status == FindingStatus.AWAITING_PLAN and visit.status == VisitStatus.DONE:
        _notify([finding.pk], "requested")
    return finding


@transaction.atomic
def visit_carry_out(
    *,
    visit: FollowUpVisit,
    carried_out_on: datetime.date,
    summary: str,
    actor,
    today: datetime.date | None = None,
) -> FollowUpVisit:
    """The visit took place: its summary and findings are shown to the provider, who is asked
    for the action plans the findings require."""
    _require_visit_change(actor, visit)
    if carried_out_on > (today or timezone.localdate()):
        raise ValidationError({"carried_out_on": _("The date cannot be in the future.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Write a summary of the visit.")})
    visit = visit_transition(
        visit,
        VisitStatus.DONE,
        actor,
        changes={"carried_out_on": carried_out_on, "summary": summary.strip()},
    )
    _notify(
        list(
            visit.findings.filter(status=FindingStatus.AWAITING_PLAN).values_list("pk", flat=True)
        ),
        "requested",
    )
    return visit


@transaction.atomic
def visit_cancel(*, visit: FollowUpVisit, actor) -> FollowUpVisit:
    return visit_transition(visit, VisitStatus.CANCELLED, actor)


@transaction.atomic
def visit_close(*, visit: FollowUpVisit, actor) -> FollowUpVisit:
    """Close a carried-out visit once every finding is noted or has an accepted plan."""
    _require_visit_change(actor, visit)
    if visit.findings.exclude(status__in=FINDING_SETTLED).exists():
        raise ValidationError(
            _("The visit can be closed when every finding is noted or has an accepted plan.")
        )
    return visit_transition(visit, VisitStatus.CLOSED, actor)


@transaction.atomic
def action_plan_submit(
    *, finding: Finding, text: str, done_by: datetime.date | None = None, actor
) -> ActionPlan:
    """The provider answers a finding with an action plan."""
    if not text.strip():
        raise ValidationError({"text": _("Describe the measures you will take.")})
    finding_transition(finding, FindingStatus.PLAN_SUBMITTED, actor, provider_side=True)
    plan = ActionPlan.objects.create(
        finding=finding, text=text.strip(), done_by=done_by, submitted_by=actor
    )
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=plan, message="submitted")
    _notify([finding.pk], "submitted")
    return plan


def _latest_plan(finding: Finding) -> ActionPlan:
    plan = finding.action_plans.order_by("-submitted_at", "-pk").first()
    if plan is None:
        raise ValidationError(_("There is no action plan to review."))
    return plan


@transaction.atomic
def action_plan_accept(*, finding: Finding, comment: str = "", actor) -> Finding:
    finding = finding_transition(
        finding, FindingStatus.PLAN_ACCEPTED, actor, comment=comment.strip()
    )
    if comment.strip():
        plan = _latest_plan(finding)
        plan.review_comment = comment.strip()
        plan.save(update_fields=["review_comment"])
    _notify([finding.pk], "accepted")
    return finding


@transaction.atomic
def action_plan_return(
    *,
    finding: Finding,
    comment: str,
    new_deadline: datetime.date | None = None,
    actor,
    today: datetime.date | None = None,
) -> Finding:
    """Send the plan back for a better one, with the municipality's comment and, optionally,
    a new deadline (reminders start over)."""
    if not comment.strip():
        raise ValidationError({"comment": _("Tell the provider what is missing.")})
    if new_deadline is not None and new_deadline < (today or timezone.localdate()):
        raise ValidationError({"new_deadline": _("The deadline cannot be in the past.")})
    changes = {"last_reminded_on": None}
    if new_deadline is not None:
        changes["plan_deadline"] = new_deadline
    finding = finding_transition(
        finding, FindingStatus.AWAITING_PLAN, actor, comment=comment.strip(), changes=changes
    )
    plan = _latest_plan(finding)
    plan.review_comment = comment.strip()
    plan.save(update_fields=["review_comment"])
    _notify([finding.pk], "returned")
    return finding


def overdue_plan_reminders_send(*, today: datetime.date) -> int:
    """E-mail the provider's users and the visit's officer about each overdue action plan, at
    most once a week per finding. Idempotent: the finding's last_reminded_on is claimed with a
    conditional update, so a repeated or concurrent run sends nothing twice."""
    from .selectors import finding_list_overdue

    due = Q(last_reminded_on__isnull=True) | Q(
        last_reminded_on__lte=today - datetime.timedelta(days=REMINDER_INTERVAL_DAYS)
    )
    reminded = 0
    for finding_id in finding_list_overdue(today=today).filter(due).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = (
                Finding.objects.filter(pk=finding_id).filter(due).update(last_reminded_on=today)
            )
            if not claimed:
                continue
            audit_event_record(
                actor=None,
                action=AuditAction.UPDATE,
                object_type="followup.finding",
                object_id=str(finding_id),
                message="overdue action plan reminded",
            )
            _notify([finding_id], "overdue")
            reminded += 1
    return reminded


# --- Complaints, deviations and Lex Sarah (cases) ---------------------------------------------

# Case numbers: one series per prefix and year, e.g. KL-2026-0001.
CASE_PREFIXES = {
    CaseKind.COMPLAINT: "KL",
    CaseKind.DEVIATION: "AV",
    CaseKind.LEX_SARAH: "LS",
}
PROVIDER_REPORT_KINDS = (CaseKind.DEVIATION, CaseKind.LEX_SARAH)


def case_reference_next(*, kind: str, year: int) -> str:
    """The next case number of the kind's series for the year. Must run inside the
    transaction that saves the case: the counter row stays locked by the UPDATE until it
    commits, so concurrent cases get consecutive, unique numbers."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_reference_next() must run inside transaction.atomic")
    prefix = CASE_PREFIXES[kind]
    counters = CaseReferenceCounter.objects.filter(prefix=prefix, year=year)
    if not counters.update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                CaseReferenceCounter.objects.create(prefix=prefix, year=year, last_number=1)
        except IntegrityError:
            # Someone else created this year's counter at the same moment.
            counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return f"{prefix}-{year}-{number:04d}"


def _case_check_dates(occurred_on) -> None:
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise ValidationError(
            {"occurred_on": _("The date cannot be in the future.")}, code="future_date"
        )


def _case_create(*, actor, audit_message: str, **fields) -> Case:
    """Number, validate and save a new case, with its first history row and the audit event;
    the municipality's quality officers and the provider hear of it after commit."""
    _case_check_dates(fields.get("occurred_on"))
    case = Case(**fields)
    case.reference = case_reference_next(kind=case.kind, year=timezone.localdate().year)
    case.full_clean()
    case.save()
    status_history(CaseStatusChange, "case", actor, "")(case, "", CaseStatus.RECEIVED)
    # Never the contact's name or e-mail in the audit log: the case number and the channel.
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=case, message=audit_message)
    transaction.on_commit(lambda: tasks.notify_case.delay(case.pk, "received"))
    return case


@transaction.atomic
def case_submit_public(
    *,
    municipality,
    subject: str,
    description: str,
    provider=None,
    occurred_on=None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Case:
    """A complaint (synpunkt or klagomål) from the public form: no login, no actor. The provider,
    when given, must be in the municipality's catalogue."""
    if provider is not None and provider not in case_register_provider_choices(
        municipality=municipality
    ):
        raise ValidationError(
            {"provider": _("Choose a provider from the list.")}, code="invalid_provider"
        )
    return _case_create(
        actor=None,
        audit_message="public form",
        municipality=municipality,
        provider=provider,
        kind=CaseKind.COMPLAINT,
        channel=CaseChannel.PUBLIC_FORM,
        subject=subject,
        description=description,
        occurred_on=occurred_on,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )


@transaction.atomic
def case_register(
    *,
    municipality,
    kind: str,
    subject: str,
    description: str,
    actor,
    provider=None,
    severity: str = "",
    occurred_on=None,
    identity_number: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Case:
    """A case quality staff register from a telephone call or a letter. The citizen it
    concerns is optional; finding them is a read of the citizen register and is audited."""
    if not actor.has_perm("followup.handle_case", municipality):
        raise PermissionDenied
    if provider is not None and provider not in case_register_provider_choices(
        municipality=municipality
    ):
        raise ValidationError(
            {"provider": _("Choose a provider from the list.")}, code="invalid_provider"
        )
    citizen = None
    if identity_number:
        citizen = citizen_find_in_municipality(
            municipality_id=municipality.pk, identity_number=identity_number
        )
        if citizen is None:
            raise ValidationError(
                {
                    "identity_number": _(
                        "No citizen with this number is registered in %(municipality)s."
                    )
                    % {"municipality": municipality.name}
                },
                code="citizen_not_found",
            )
        audit_event_record(
            actor=actor, action=AuditAction.READ, obj=citizen, message="linked to a case"
        )
    return _case_create(
        actor=actor,
        audit_message="registered by staff",
        municipality=municipality,
        provider=provider,
        kind=kind,
        channel=CaseChannel.STAFF,
        severity=severity,
        subject=subject,
        description=description,
        occurred_on=occurred_on,
        citizen=citizen,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        reported_by=actor,
    )


@transaction.atomic
def case_report_by_provider(
    *,
    provider,
    municipality,
    kind: str,
    severity: str,
    subject: str,
    description: str,
    actor,
    occurred_on=None,
) -> Case:
    """A deviation (avvikelse) or a Lex Sarah event (missförhållande) the provider reports to
    a municipality it has a contract with."""
    if (provider, municipality) not in case_report_choices(user=actor):
        # Not one of the user's providers, or no contract with the municipality.
        raise PermissionDenied
    if kind not in PROVIDER_REPORT_KINDS:
        raise ValidationError({"kind": _("Choose deviation or Lex Sarah.")}, code="invalid_kind")
    if not severity:
        raise ValidationError({"severity": _("Choose a severity.")}, code="required")
    return _case_create(
        actor=actor,
        audit_message="reported by the provider",
        municipality=municipality,
        provider=provider,
        kind=kind,
        channel=CaseChannel.PROVIDER,
        severity=severity,
        subject=subject,
        description=description,
        occurred_on=occurred_on,
        reported_by=actor,
    )


def _case_require(actor, case: Case, permission: str = "followup.handle_case") -> None:
    if not actor.has_perm(permission, case):
        raise PermissionDenied


@transaction.atomic
def case_assign(*, case: Case, handler, actor) -> Case:
    """Make `handler` (a quality officer of the case's municipality) the case's handler;
    taking a case is assigning it to oneself."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _case_require(actor, case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed."), code="closed")
    if not handler.is_active or not handler.has_perm("followup.handle_case", case):
        raise ValidationError(
            {"handler": _("The handler must be a quality officer of the municipality.")},
            code="invalid_handler",
        )
    if case.handler_id == handler.pk:
        return case
    case.handler = handler
    case.save(update_fields=["handler"])
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        message="handler assigned",
        details={"handler": handler.pk},
    )
    if handler != actor:
        transaction.on_commit(lambda: tasks.notify_case.delay(case.pk, "assigned"))
    return case


@transaction.atomic
def case_transition(*, case: Case, to: str, actor, comment: str = "", reply: str = "") -> Case:
    """The one way a case's status changes (CASE_TRANSITIONS). Answering needs the reply,
    which is e-mailed to the contact's address after commit; closing sets closed_at. A case
    without a handler gets the actor as its handler. The comment is kept in the history, not
    in the audit log (it may name people)."""
    changes: dict = {}
    on_commit = None
    if to == CaseStatus.ANSWERED:
        reply = (reply or "").strip()
        if not reply:
            raise ValidationError(
                {"reply": _("Write the reply before you mark the case answered.")},
                code="reply_required",
            )
        changes["reply"] = reply

        def on_commit(locked):
            tasks.notify_case.delay(locked.pk, "answered")

    if to == CaseStatus.CLOSED:
        changes["closed_at"] = timezone.now()
    if case.handler_id is None and getattr(actor, "is_authenticated", False):
        changes["handler"] = actor
    return transition(
        obj=case,
        to=to,
        actor=actor,
        allowed=CASE_TRANSITIONS,
        history=status_history(CaseStatusChange, "case", actor, comment.strip()),
        may=lambda user, obj: user.has_perm("followup.handle_case", obj),
        changes=changes,
        on_commit=on_commit,
    )


@transaction.atomic
def case_statement_submit(*, case: Case, statement: str, actor) -> Case:
    """The provider's statement (yttrande) on a case about itself; it may be changed until the
    case is closed. The handler (or, without one, the quality officers) hear of it."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _case_require(actor, case, "followup.provider_case")
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed."), code="closed")
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Write the statement.")}, code="required")
    case.provider_statement = statement
    case.save(update_fields=["provider_statement"])
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=case, message="statement")
    transaction.on_commit(lambda: tasks.notify_case.delay(case.pk, "statement"))
    return case


# --- Quality reports --------------------------------------------------------------------------

REPORT_WORKING = (ReportStatus.QUEUED, ReportStatus.RUNNING)
# Steps besides one per indicator chart: visits and findings, cases, laying out the PDF.
REPORT_FIXED_STEPS = 3


def _report_may(actor, report: QualityReport) -> bool:
    return actor.has_perm("followup.manage_reports", report)


def quality_report_transition(
    *, report: QualityReport, to: str, actor, changes=None, on_commit=None
) -> QualityReport:
    """The one place a quality report's status changes. `actor` None is the system (a task)."""
    return transition(
        obj=report,
        to=to,
        actor=actor,
        allowed=REPORT_TRANSITIONS,
        history=status_history(QualityReportStatusChange, "report", actor),
        may=_report_may,
        changes=changes,
        on_commit=on_commit,
    )


def _report_enqueue(report: QualityReport) -> None:
    from .tasks import render_quality_report

    render_quality_report.delay(report.pk)


@transaction.atomic
def quality_report_start(
    *, municipality, year: int, actor, cooperation=None
) -> tuple[QualityReport, bool]:
    """Queue a report for a municipality, or for a cooperation it belongs to, and a year; or
    return the one of the same scope and year that is queued or rendering (created False).

    A finished or failed report is never changed: starting again makes a new one. Serialised
    per scope by the cooperation's (or municipality's) row lock."""
    if actor is not None and not actor.has_perm("followup.manage_reports", municipality):
        raise PermissionDenied
    if (
        cooperation is not None
        and not cooperation.municipalities.filter(pk=municipality.pk).exists()
    ):
        raise PermissionDenied
    this_year = timezone.localdate().year
    if not LOV_FIRST_YEAR <= year <= this_year:
        raise ValidationError(
            {
                "year": _("Choose a year from %(first)s to %(last)s.")
                % {"first": LOV_FIRST_YEAR, "last": this_year}
            },
            code="year",
        )
    if cooperation is not None:
        type(cooperation).objects.select_for_update().get(pk=cooperation.pk)
        same_scope = QualityReport.objects.filter(cooperation=cooperation)
    else:
        type(municipality).objects.select_for_update().get(pk=municipality.pk)
        same_scope = QualityReport.objects.filter(
            municipality=municipality, cooperation__isnull=True
        )
    working = same_scope.filter(year=year, status__in=REPORT_WORKING).order_by("pk").first()
    if working is not None:
        return working, False
    report = QualityReport.objects.create(
        municipality=municipality, cooperation=cooperation, year=year, requested_by=actor
    )
    status_history(QualityReportStatusChange, "report", actor)(report, "", ReportStatus.QUEUED)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=report, message="quality report")
    transaction.on_commit(lambda: _report_enqueue(report))
    return report, True


def _report_step(report_id: int) -> None:
    """One more step done: committed at once (autocommit), so the progress bar moves."""
    QualityReport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        steps_done=F("steps_done") + 1
    )


def quality_report_render(*, report_id: int) -> QualityReport | None:
    """Render a queued report to its PDF, one step at a time, and keep it.

    Idempotent: a finished or failed report is left alone; one still RUNNING (the worker died
    and the task was delivered again) is rendered again from the start. Raises on any error;
    the task then fails the report (quality_report_fail)."""
    with transaction.atomic():
        report = QualityReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in REPORT_WORKING:
            return None
        steps_total = selectors.indicator_list().count() + REPORT_FIXED_STEPS
        progress = {"steps_total": steps_total, "steps_done": 0, "error": ""}
        if report.status == ReportStatus.QUEUED:
            report = quality_report_transition(
                report=report, to=ReportStatus.RUNNING, actor=None, changes=progress
            )
        else:
            QualityReport.objects.filter(pk=report_id).update(**progress)
    report = QualityReport.objects.select_related("municipality", "cooperation").get(pk=report_id)
    content = selectors.quality_report_content(report=report)
    charts = []
    for section in content.indicators:
        charts.append(report_document.indicator_chart_svg(section))
        _report_step(report_id)
    # The visits and cases sections are tables of what the content holds already.
    _report_step(report_id)
    _report_step(report_id)
    pdf = report_document.report_pdf(report_document.report_html(content, charts))
    with transaction.atomic():
        locked = QualityReport.objects.select_for_update().get(pk=report_id)
        if locked.status != ReportStatus.RUNNING:
            return None
        scope = f"s{report.cooperation_id}" if report.cooperation_id else report.municipality.code
        field = QualityReport._meta.get_field("pdf")
        name = field.storage.save(
            f"quality-reports/{report.year}/kvalitetsredovisning-{scope}-{report.pk}.pdf",
            ContentFile(pdf),
        )
        return quality_report_transition(
            report=locked,
            to=ReportStatus.DONE,
            actor=None,
            changes={"pdf": name, "steps_done": steps_total, "finished_at": timezone.now()},
        )


@transaction.atomic
def quality_report_fail(*, report_id: int, error: str) -> None:
    """The render raised: the report fails with the error; a new start makes a new report."""
    report = QualityReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None or report.status not in REPORT_WORKING:
        return
    quality_report_transition(
        report=report,
        to=ReportStatus.FAILED,
        actor=None,
        changes={"error": error[:2000], "finished_at": timezone.now()},
    )
