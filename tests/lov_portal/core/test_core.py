import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from billing.models import BillingRules, Rate, ServiceRule
from lov_portal.accounts.models import User
from lov_portal.core.constants import RateZone
from lov_portal.core.models import Area, Cooperation, Municipality, ServiceType
from lov_portal.core.selectors import area_list_for_postal_code
from lov_portal.core.validators import (
    validate_municipality_code,
    validate_organisation_number,
    validate_postal_code,
)
from providers.constants import EvidenceKind, RequestStatus, VersionStatus
from providers.models import ApplicationMunicipality, Provider, RequestForApplications, Requirement
from providers.selectors import provider_list_contracted
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("value", ["556016-0680", "5560160680", "212000-1355"])
def test_valid_organisation_numbers(value):
    validate_organisation_number(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("556016-0681", "Kontrollsiffran"),
        ("55601-0680", "NNNNNN-NNNN"),
        ("abcdef-ghij", "NNNNNN-NNNN"),
    ],
)
def test_invalid_organisation_numbers_get_a_swedish_message(value, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_organisation_number(value)
    assert message in str(excinfo.value.messages[0])


def test_postal_code_and_municipality_code_validation():
    validate_postal_code("456 31")
    validate_municipality_code("1427")
    with pytest.raises(ValidationError):
        validate_postal_code("4563")
    with pytest.raises(ValidationError):
        validate_municipality_code("142")


@pytest.mark.django_db
def test_seed_demo_creates_nobo_and_is_idempotent(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # decision letters, as after commit
        call_command("seed_demo", verbosity=0)
    counts = (
        Municipality.objects.count(),
        Area.objects.count(),
        ServiceType.objects.count(),
        Provider.objects.count(),
        User.objects.count(),
        BillingRules.objects.count(),
        ServiceRule.objects.count(),
        Rate.objects.count(),
    )
    call_command("seed_demo", verbosity=0)

    assert counts == (
        Municipality.objects.count(),
        Area.objects.count(),
        ServiceType.objects.count(),
        Provider.objects.count(),
        User.objects.count(),
        BillingRules.objects.count(),
        ServiceRule.objects.count(),
        Rate.objects.count(),
    )
    assert set(Municipality.objects.values_list("code", flat=True)) == {
        "1427",
        "1430",
        "1435",
        "1484",
    }
    cooperation = Cooperation.objects.get()
    assert cooperation.municipalities.count() == 4
    for municipality in Municipality.objects.all():
        assert Provider.objects.filter(in_house_municipality=municipality).count() == 1
        # Its own provider and one approved private provider are in its catalogue data.
        contracted = provider_list_contracted(municipality=municipality)
        assert sorted(p.is_in_house for p in contracted) == [False, True]
        assert [p.in_house_municipality for p in contracted if p.is_in_house] == [municipality]
    assert [a.municipality.code for a in area_list_for_postal_code(postal_code="456 32")] == [
        "1427"
    ]
    for user in User.objects.all():
        assert user.check_password("demo-lov-2026")
        assert user.role_assignments.count() == 1
    # The approved private providers went through the workflow: each decision has its letter.
    decided = ApplicationMunicipality.objects.filter(status="approved")
    assert decided.count() == 4
    assert all(d.letter for d in decided)
    # One published request of the whole cooperation, with the typical application package.
    request = RequestForApplications.objects.get()
    assert request.status == RequestStatus.PUBLISHED
    assert request.municipality_ids == set(Municipality.objects.values_list("pk", flat=True))
    version = request.versions.get(status=VersionStatus.PUBLISHED)
    kinds = set(
        Requirement.objects.filter(section__version=version).values_list("evidence_kind", flat=True)
    )
    assert kinds == set(EvidenceKind.values)
    assert Requirement.objects.filter(section__version=version, max_age_days=60).count() == 1
    # Compensation: town hall details, rules from 2026 and rates for both kinds of provider.
    for municipality in Municipality.objects.all():
        validate_organisation_number(municipality.organisation_number)
        assert municipality.organisation_number.startswith("212000-9")
        assert municipality.street_address and municipality.postal_code and municipality.city
        rules = BillingRules.objects.get(municipality=municipality)
        assert (rules.valid_from.isoformat(), rules.cutoff_day) == ("2026-01-01", 5)
        assert rules.private_supplement_percent == Decimal("1.5")
        declined = dict(rules.service_rules.values_list("service_type__code", "declined_percent"))
        assert declined["hemtjanst-service"] == 55
        assert declined["hemtjanst-omvardnad"] == 50
        night = Rate.objects.get(
            municipality=municipality,
            service_type__code="hemtjanst-omvardnad",
            time_band="night",
            provider_kind="private",
        )
        assert night.unit == "per_visit"
    tanum_day = dict(
        Rate.objects.filter(
            municipality__code="1435",
            service_type__code="hemtjanst-omvardnad",
            time_band="day",
            provider_kind="in_house",
        ).values_list("rate_zone", "amount")
    )
    assert tanum_day[RateZone.RURAL] - tanum_day[""] == 20
    assert not Rate.objects.filter(municipality__code="1484", rate_zone=RateZone.RURAL).exists()
    assert all(
        re.fullmatch(r"\d{3,4}-\d{4}", bankgiro)
        for bankgiro in Provider.objects.values_list("bankgiro", flat=True)
    )


@pytest.mark.django_db
def test_seed_demo_refuses_without_demo_passwords(settings):
    settings.DEMO_PASSWORDS_ALLOWED = False
    with pytest.raises(CommandError, match="refused"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="lov_portal.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="lov_portal.settings.production",
        SECRET_KEY="x" * 60 + "-test-only-production-check-secret",
        ALLOWED_HOSTS="lov-portalen.example.se",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_health_reports_database_and_eager_tasks(client):
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


@pytest.mark.django_db
def test_health_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("core:health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": response.json()["database"],
        "broker": "unavailable",
    }


@pytest.mark.django_db
def test_health_checks_a_real_broker(client, settings):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        skip_or_fail("REDIS_URL is not set: no broker to check")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"
