"""Quality reports: the start service (idempotent per scope and year), the Celery task that
renders them (success, failure, a task delivered again) and what the content selector reads.
The PDF's own text is checked in test_reports_document.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from followup import report_document, services
from followup.constants import ReportStatus
from followup.models import QualityReport
from followup.selectors import (
    quality_report_content,
    quality_report_list_for_user,
    quality_report_scopes_for_user,
)
from followup.tasks import render_quality_report
from lov_portal.audit.models import AuditEvent
from tests.followup.factories import QualityReportFactory
from tests.followup.report_fixtures import HIDDEN_VALUE, YEAR, build_world

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4 quality report"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world()


@pytest.fixture
def fast_render(monkeypatch):
    """Charts and PDF stubbed out: these tests are about the workflow, not the document."""
    charts = []

    def chart(section):
        charts.append(section.indicator.code)
        return f"<svg id='{section.indicator.code}'></svg>"

    monkeypatch.setattr(report_document, "indicator_chart_svg", chart)
    monkeypatch.setattr(report_document, "report_pdf", lambda html: FAKE_PDF)
    return charts


def start(world, commit, *, cooperation=None, actor=None, execute=True):
    with commit(execute=execute):
        return services.quality_report_start(
            municipality=world.munkedal,
            cooperation=cooperation,
            year=YEAR,
            actor=actor or world.officer,
        )


# --- Start -------------------------------------------------------------------------------------


def test_start_queues_a_report_and_the_same_scope_and_year_returns_it(
    world, django_capture_on_commit_callbacks
):
    report, created = start(world, django_capture_on_commit_callbacks, execute=False)
    assert created and report.status == ReportStatus.QUEUED
    assert list(report.history.values_list("from_status", "to_status")) == [("", "queued")]
    assert AuditEvent.objects.filter(
        action="create", object_type="followup.qualityreport", object_id=str(report.pk)
    ).exists()

    again, created_again = start(world, django_capture_on_commit_callbacks, execute=False)
    assert (again, created_again) == (report, False)
    assert QualityReport.objects.count() == 1


def test_a_cooperation_report_is_one_scope_whichever_member_starts_it(
    world, django_capture_on_commit_callbacks
):
    cooperation, _created = start(
        world, django_capture_on_commit_callbacks, cooperation=world.cooperation, execute=False
    )
    with django_capture_on_commit_callbacks(execute=False):
        same, created = services.quality_report_start(
            municipality=world.tanum,
            cooperation=world.cooperation,
            year=YEAR,
            actor=world.tanum_officer,
        )
    assert (same, created) == (cooperation, False)
    # The municipality alone is another scope.
    own, created = start(world, django_capture_on_commit_callbacks, execute=False)
    assert created and own != cooperation
    assert cooperation.municipality_ids == {world.munkedal.pk, world.tanum.pk}


def test_a_finished_report_is_kept_and_a_new_start_makes_a_new_one(
    world, django_capture_on_commit_callbacks, fast_render
):
    first, _created = start(world, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == ReportStatus.DONE
    second, created = start(world, django_capture_on_commit_callbacks)
    assert created and second.pk != first.pk


def test_only_the_municipalitys_quality_officer_may_start(
    world, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        start(world, django_capture_on_commit_callbacks, actor=world.lysekil_officer)
    with pytest.raises(PermissionDenied):
        start(world, django_capture_on_commit_callbacks, actor=world.provider_user)
    # A cooperation the municipality is not a member of.
    with (
        pytest.raises(PermissionDenied),
        django_capture_on_commit_callbacks(execute=False),
    ):
        services.quality_report_start(
            municipality=world.lysekil,
            cooperation=world.cooperation,
            year=YEAR,
            actor=world.lysekil_officer,
        )
    assert not QualityReport.objects.exists()


@pytest.mark.parametrize("year", [2008, timezone.localdate().year + 1])
def test_the_year_must_be_under_lov_and_not_in_the_future(
    world, django_capture_on_commit_callbacks, year
):
    with pytest.raises(ValidationError) as info, django_capture_on_commit_callbacks():
        services.quality_report_start(municipality=world.munkedal, year=year, actor=world.officer)
    assert "year" in info.value.message_dict
    assert not QualityReport.objects.exists()


# --- The task ----------------------------------------------------------------------------------


def test_the_task_renders_every_step_and_keeps_the_pdf(
    world, django_capture_on_commit_callbacks, fast_render
):
    report, _created = start(world, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert report.steps_total == 11 + services.REPORT_FIXED_STEPS  # 11 national indicators
    assert report.steps_done == report.steps_total and report.progress_percent == 100
    assert len(fast_render) == 11
    assert report.pdf.read() == FAKE_PDF
    assert report.finished_at is not None and report.error == ""
    assert list(report.history.values_list("to_status", flat=True)) == [
        "queued",
        "running",
        "done",
    ]


def test_a_failing_render_fails_the_report_with_the_error_and_a_new_start_is_allowed(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html):
        raise RuntimeError("the PDF engine broke")

    monkeypatch.setattr(report_document, "report_pdf", broken)
    report, _created = start(world, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "RuntimeError: the PDF engine broke"
    assert not report.pdf
    assert list(report.history.values_list("to_status", flat=True)) == [
        "queued",
        "running",
        "failed",
    ]
    monkeypatch.setattr(report_document, "report_pdf", lambda html: FAKE_PDF)
    again, created = start(world, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert created and again.status == ReportStatus.DONE


def test_a_task_delivered_again_renders_a_running_report_again_and_leaves_a_done_one(
    world, django_capture_on_commit_callbacks, fast_render
):
    report, _created = start(world, django_capture_on_commit_callbacks, execute=False)
    # The worker died half-way: the report is RUNNING with some steps done.
    QualityReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, steps_total=14, steps_done=5
    )
    render_quality_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.steps_done == 14
    name = report.pdf.name

    render_quality_report(report.pk)  # once more: nothing changes
    report.refresh_from_db()
    assert report.pdf.name == name and report.history.count() == 2


def test_an_unknown_report_id_is_ignored():
    render_quality_report(999_999)


# --- What the report reads ---------------------------------------------------------------------


def test_content_is_the_scope_and_year_and_never_a_group_of_four(world):
    report = QualityReportFactory(
        municipality=world.munkedal, cooperation=world.cooperation, requested_by=world.officer
    )
    content = quality_report_content(report=report)
    assert content.municipalities == ["Munkedal", "Tanum"] and content.is_cooperation
    overall = content.indicators[0]
    assert overall.indicator.code == "overall_satisfaction"
    munkedal, tanum = overall.groups
    # In-house first, then private by name; the group of 4 has no value and no answer count.
    assert [(r.provider, r.value, r.respondents, r.missing) for r in munkedal.rows] == [
        ("Munkedals hemtjänst", 88, 40, ""),
        ("Liten Omsorg Väst AB", None, None, "too_few"),
        ("Åsa Äldreomsorg Öst AB", 92.5, 20, ""),
    ]
    # (88 × 40 + 92.5 × 20) / 60: the group of 4 is not in the average either.
    assert munkedal.average == pytest.approx(89.5) and munkedal.respondents == 60
    assert [(r.provider, r.value) for r in tanum.rows] == [("Tanums Trygghet AB", 81)]
    values = {row.value for section in content.indicators for g in section.groups for row in g.rows}
    assert HIDDEN_VALUE not in values
    # Lysekil's result and last year's are not read.
    on_time = next(s for s in content.indicators if s.indicator.code == "on_time")
    assert all(row.value is None for g in on_time.groups for row in g.rows)

    (asa_visits,) = [v for v in content.visits if v.provider == "Åsa Äldreomsorg Öst AB"]
    assert (asa_visits.visits_done, asa_visits.plans_awaiting, asa_visits.plans_accepted) == (
        1,
        1,
        1,
    )
    assert asa_visits.findings == {"low": 0, "medium": 1, "high": 1}
    (in_house_visits,) = [v for v in content.visits if v.in_house]
    assert (in_house_visits.visits_done, in_house_visits.visits_planned) == (0, 1)  # no cancelled

    counts = {(c.municipality, c.provider): (c.counts, c.total) for c in content.cases}
    assert counts[("Munkedal", "Åsa Äldreomsorg Öst AB")] == (
        {"complaint": 2, "deviation": 0, "lex_sarah": 1},
        3,
    )
    assert counts[("Munkedal", "")][1] == 1
    assert not any(municipality == "Lysekil" for municipality, _provider in counts)


def test_a_municipality_report_reads_that_municipality_only(world):
    report = QualityReportFactory(municipality=world.munkedal, requested_by=world.officer)
    content = quality_report_content(report=report)
    assert content.municipalities == ["Munkedal"] and not content.is_cooperation
    assert [g.municipality for g in content.indicators[0].groups] == ["Munkedal"]


def test_contracted_providers_without_results_are_listed_as_no_data(world):
    from tests.factories import ContractFactory, ProviderFactory

    quiet = ProviderFactory(name="Tyst Omsorg AB")
    ContractFactory(provider=quiet, municipality=world.munkedal)
    report = QualityReportFactory(municipality=world.munkedal, requested_by=world.officer)
    rows = quality_report_content(report=report).indicators[0].groups[0].rows
    (row,) = [r for r in rows if r.provider == "Tyst Omsorg AB"]
    assert (row.value, row.missing) == (None, "no_data")


def test_reports_and_scopes_are_those_of_the_users_municipalities(world):
    own = QualityReportFactory(municipality=world.munkedal, requested_by=world.officer)
    shared = QualityReportFactory(
        municipality=world.munkedal, cooperation=world.cooperation, requested_by=world.officer
    )
    lysekil = QualityReportFactory(municipality=world.lysekil, requested_by=world.lysekil_officer)
    assert set(quality_report_list_for_user(user=world.officer)) == {own, shared}
    assert set(quality_report_list_for_user(user=world.tanum_officer)) == {shared}
    assert set(quality_report_list_for_user(user=world.lysekil_officer)) == {lysekil}
    assert not quality_report_list_for_user(user=world.provider_user).exists()
    scopes = quality_report_scopes_for_user(user=world.tanum_officer)
    assert [(s.key[0], s.label, s.municipality) for s in scopes] == [
        ("m", "Tanum", world.tanum),
        ("c", "NoBo-samverkan", world.tanum),
    ]
