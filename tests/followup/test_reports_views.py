"""Quality reports in the browser's terms: start, follow the progress, download; and who may
see them (the officers of the report's municipalities, a cooperation's members included)."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from followup import report_document
from followup.constants import ReportStatus
from followup.models import QualityReport
from lov_portal.audit.models import AuditEvent
from tests.followup.report_fixtures import YEAR, build_world

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4 quality report"


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(report_document, "indicator_chart_svg", lambda section: "<svg></svg>")
    monkeypatch.setattr(report_document, "report_pdf", lambda html: FAKE_PDF)
    return build_world()


def post_start(client, world, commit, *, scope, user=None, execute=True):
    client.force_login(user or world.officer)
    with commit(execute=execute):
        return client.post(reverse("followup:report_list"), {"scope": scope, "year": YEAR})


@override_settings(LANGUAGE_CODE="en")
def test_officer_starts_a_cooperation_report_follows_it_and_downloads_the_pdf(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.officer)
    page = client.get(reverse("followup:report_list")).content.decode()
    assert "NoBo-samverkan (cooperation)" in page and "Munkedal" in page
    assert "Lysekil" not in page

    response = post_start(
        client, world, django_capture_on_commit_callbacks, scope=f"c{world.cooperation.pk}"
    )
    report = QualityReport.objects.get()
    assert response.url == reverse("followup:report_detail", args=[report.pk])
    assert report.cooperation == world.cooperation and report.municipality == world.munkedal
    assert report.status == ReportStatus.DONE

    detail = client.get(response.url).content.decode()
    assert "Ready" in detail and reverse("followup:report_download", args=[report.pk]) in detail

    download = client.get(reverse("followup:report_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "kvalitetsredovisning-nobo-samverkan-2026.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == FAKE_PDF
    assert AuditEvent.objects.filter(
        action="export", object_type="followup.qualityreport", object_id=str(report.pk)
    ).exists()

    listing = client.get(reverse("followup:report_list")).content.decode()
    assert reverse("followup:report_detail", args=[report.pk]) in listing


@override_settings(LANGUAGE_CODE="en")
def test_starting_again_while_it_renders_shows_the_same_report(
    client, world, django_capture_on_commit_callbacks
):
    post_start(
        client,
        world,
        django_capture_on_commit_callbacks,
        scope=f"m{world.munkedal.pk}",
        execute=False,
    )
    response = post_start(
        client,
        world,
        django_capture_on_commit_callbacks,
        scope=f"m{world.munkedal.pk}",
        execute=False,
    )
    report = QualityReport.objects.get()
    assert response.url.endswith(f"/{report.pk}/")
    page = client.get(response.url).content.decode()
    assert "being made: here it is" in page
    assert 'id="report-progress"' in page and "hx-get" in page
    # Without JavaScript: a link that reloads the page.
    assert f'href="{reverse("followup:report_detail", args=[report.pk])}"' in page


@override_settings(LANGUAGE_CODE="en")
def test_a_scope_that_is_not_the_users_is_a_form_error(
    client, world, django_capture_on_commit_callbacks
):
    response = post_start(
        client, world, django_capture_on_commit_callbacks, scope=f"m{world.lysekil.pk}"
    )
    assert response.status_code == 200 and not QualityReport.objects.exists()
    assert "Select a valid choice" in response.content.decode()


@override_settings(LANGUAGE_CODE="en")
def test_a_future_year_is_a_field_error(client, world):
    client.force_login(world.officer)
    this_year = timezone.localdate().year
    response = client.post(
        reverse("followup:report_list"),
        {"scope": f"m{world.munkedal.pk}", "year": this_year + 1},
    )
    assert response.status_code == 200 and not QualityReport.objects.exists()
    assert f"Choose a year from 2009 to {this_year}" in response.content.decode()


def test_progress_fragment_polls_while_rendering_and_reloads_the_page_when_done(
    client, world, django_capture_on_commit_callbacks
):
    post_start(
        client,
        world,
        django_capture_on_commit_callbacks,
        scope=f"m{world.munkedal.pk}",
        execute=False,
    )
    report = QualityReport.objects.get()
    QualityReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, steps_total=14, steps_done=7
    )
    url = reverse("followup:report_progress", args=[report.pk])
    running = client.get(url, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in running
    body = running.content.decode()
    assert 'aria-valuenow="50"' in body and "hx-trigger" in body

    QualityReport.objects.filter(pk=report.pk).update(status=ReportStatus.DONE, steps_done=14)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and 'aria-valuenow="100"' in done.content.decode()


@override_settings(LANGUAGE_CODE="en")
def test_a_failed_report_shows_the_error_and_can_be_started_again(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(report_document, "report_pdf", broken)
    response = post_start(
        client, world, django_capture_on_commit_callbacks, scope=f"m{world.munkedal.pk}"
    )
    failed = QualityReport.objects.get()
    page = client.get(response.url).content.decode()
    assert failed.status == ReportStatus.FAILED
    assert "RuntimeError: no fonts" in page and "Start the report again" in page
    assert client.get(reverse("followup:report_download", args=[failed.pk])).status_code == 404

    monkeypatch.setattr(report_document, "report_pdf", lambda html: FAKE_PDF)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("followup:report_list"), {"scope": f"m{world.munkedal.pk}", "year": YEAR}
        )
    new = QualityReport.objects.exclude(pk=failed.pk).get()
    assert again.url.endswith(f"/{new.pk}/") and new.status == ReportStatus.DONE


URLS = ["report_detail", "report_progress", "report_download"]


@pytest.fixture
def reports(world, django_capture_on_commit_callbacks, client):
    post_start(client, world, django_capture_on_commit_callbacks, scope=f"m{world.munkedal.pk}")
    post_start(client, world, django_capture_on_commit_callbacks, scope=f"c{world.cooperation.pk}")
    client.logout()
    own = QualityReport.objects.get(cooperation__isnull=True)
    shared = QualityReport.objects.get(cooperation__isnull=False)
    return own, shared


@pytest.mark.parametrize("name", URLS)
def test_a_cooperation_member_sees_the_shared_report_but_not_the_other_municipalitys_own(
    client, world, reports, name
):
    own, shared = reports
    client.force_login(world.tanum_officer)
    assert client.get(reverse(f"followup:{name}", args=[shared.pk])).status_code == 200
    assert client.get(reverse(f"followup:{name}", args=[own.pk])).status_code == 404


@pytest.mark.parametrize("name", URLS)
def test_outside_the_cooperation_and_providers_see_nothing(client, world, reports, name):
    own, shared = reports
    for user in (world.lysekil_officer, world.provider_user):
        client.force_login(user)
        for report in (own, shared):
            response = client.get(reverse(f"followup:{name}", args=[report.pk]))
            assert response.status_code in (403, 404), (user, report, response.status_code)
    client.logout()
    response = client.get(reverse(f"followup:{name}", args=[own.pk]))
    assert response.url.startswith(reverse("accounts:login"))


def test_missing_and_forbidden_reports_look_the_same(client, world, reports):
    own, _shared = reports
    client.force_login(world.lysekil_officer)
    forbidden = client.get(reverse("followup:report_detail", args=[own.pk]))
    missing = client.get(reverse("followup:report_detail", args=[own.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404


def test_the_list_shows_only_the_users_reports(client, world, reports):
    own, shared = reports
    client.force_login(world.lysekil_officer)
    page = client.get(reverse("followup:report_list")).content.decode()
    for report in (own, shared):
        assert reverse("followup:report_detail", args=[report.pk]) not in page
    client.force_login(world.tanum_officer)
    page = client.get(reverse("followup:report_list")).content.decode()
    assert reverse("followup:report_detail", args=[shared.pk]) in page
    assert reverse("followup:report_detail", args=[own.pk]) not in page
