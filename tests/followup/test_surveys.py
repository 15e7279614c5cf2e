"""Survey results: CSV import (all or nothing, every bad row named), upsert by key, results
entered by hand in Swedish number format, and scope: another municipality's officer sees 404."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from followup import services
from followup.models import SurveyImport, SurveyResult
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.factories import (
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    user_with_role,
)
from tests.followup.factories import SurveyResultFactory, indicator

pytestmark = pytest.mark.django_db

HEADER = "organisationsnummer;tjanst;indikator;ar;varde;antal_svar"


@pytest.fixture
def setup():
    municipality = MunicipalityFactory(code="1430", name="Munkedal")
    provider = ProviderFactory(name="Åsa Omsorg AB")
    ContractFactory(provider=provider, municipality=municipality)
    service = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    officer = user_with_role(Role.QUALITY_OFFICER, municipality=municipality)
    return {
        "municipality": municipality,
        "provider": provider,
        "service": service,
        "officer": officer,
    }


def csv_file(*rows: str) -> SimpleUploadedFile:
    body = "\n".join([HEADER, *rows]) + "\n"
    return SimpleUploadedFile("enkat.csv", body.encode("utf-8"), content_type="text/csv")


def test_a_good_file_is_imported_and_a_second_one_changes_the_same_keys(setup):
    org = setup["provider"].organisation_number
    first = services.survey_results_import(
        municipality=setup["municipality"],
        year=2026,
        uploaded_file=csv_file(
            f"{org};hemtjanst-omvardnad;overall_satisfaction;2026;87,5;23",
            f"{org};hemtjanst-omvardnad;nki;;74;4",  # no year: the import's year
        ),
        actor=setup["officer"],
    )
    assert (first.created, first.updated, first.errors) == (2, 0, [])
    nki = SurveyResult.objects.get(indicator=indicator("nki"))
    assert (nki.year, nki.value, nki.respondents, nki.is_publishable) == (
        2026,
        Decimal("74"),
        4,
        False,
    )
    second = services.survey_results_import(
        municipality=setup["municipality"],
        year=2026,
        uploaded_file=csv_file(f"{org};hemtjanst-omvardnad;overall_satisfaction;2026;90;25"),
        actor=setup["officer"],
    )
    assert (second.created, second.updated) == (0, 1)
    assert SurveyResult.objects.get(indicator=indicator()).value == Decimal("90")
    assert SurveyResult.objects.count() == 2
    assert AuditEvent.objects.filter(object_type__icontains="surveyimport").count() == 2


def test_a_file_with_bad_rows_saves_nothing_and_names_every_line(setup):
    org = setup["provider"].organisation_number
    survey_import = services.survey_results_import(
        municipality=setup["municipality"],
        year=2026,
        uploaded_file=csv_file(
            f"{org};hemtjanst-omvardnad;overall_satisfaction;2026;87,5;23",
            "556000-0000;hemtjanst-omvardnad;nki;2026;74;30",
            f"{org};hemtjanst-omvardnad;nki;2026;140;30",
            f"{org};okand;nki;2026;abc;0",
            f"{org};hemtjanst-omvardnad;overall_satisfaction;2026;80;30",
        ),
        actor=setup["officer"],
    )
    assert not survey_import.accepted
    assert [e["line"] for e in survey_import.errors] == [3, 4, 5, 6]
    reasons = {e["line"]: " ".join(e["reasons"]) for e in survey_import.errors}
    assert "556000-0000" in reasons[3]
    assert "0–100" in reasons[4]
    assert "abc" in reasons[5] and "heltal" in reasons[5]
    assert "line 2" in reasons[6] or "rad 2" in reasons[6]
    assert SurveyResult.objects.count() == 0
    assert SurveyImport.objects.get().rows == 5


def test_a_file_that_is_not_csv_is_refused_whole(setup):
    with pytest.raises(ValidationError):
        services.survey_results_import(
            municipality=setup["municipality"],
            year=2026,
            uploaded_file=SimpleUploadedFile("x.csv", b"\x00\x01PK"),
            actor=setup["officer"],
        )
    assert SurveyImport.objects.count() == 0


def test_import_page_reports_the_bad_line_in_swedish(client, setup):
    client.force_login(setup["officer"])
    response = client.post(
        reverse("followup:survey_import"),
        {
            "municipality": "1430",
            "year": "2026",
            "file": csv_file(f"{setup['provider'].organisation_number};x;nki;2026;50;10"),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Inget importerades" in html
    assert "Okänd tjänst" in html


def test_a_result_entered_by_hand_takes_a_decimal_comma_and_keeps_input_on_error(client, setup):
    client.force_login(setup["officer"])
    url = reverse("followup:survey_result_add") + "?kommun=1430"
    data = {
        "kommun": "1430",
        "provider": setup["provider"].pk,
        "service_type": setup["service"].pk,
        "indicator": indicator().pk,
        "year": "2026",
        "value": "187,5",
        "respondents": "12",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "utanför indikatorns intervall" in response.content.decode()
    assert 'value="187,5"' in response.content.decode()
    data["value"] = "87,5"
    response = client.post(url, data)
    assert response.status_code == 302
    assert SurveyResult.objects.get().value == Decimal("87.5")


def test_another_municipalitys_officer_and_providers_see_nothing(client, setup):
    result = SurveyResultFactory(municipality=setup["municipality"], provider=setup["provider"])
    other = user_with_role(Role.QUALITY_OFFICER, municipality=MunicipalityFactory())
    client.force_login(other)
    assert client.get(reverse("followup:survey_result_edit", args=[result.pk])).status_code == 404
    response = client.get(reverse("followup:survey_results"))
    assert setup["provider"].name not in response.content.decode()
    client.force_login(user_with_role(Role.PROVIDER_USER, provider=setup["provider"]))
    assert client.get(reverse("followup:survey_results")).status_code == 403
