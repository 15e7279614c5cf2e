"""Own surveys: made by a quality officer, answered by link once and anonymously, closed into
indicator results that keep an imported national result and never publish fewer than 5."""

from decimal import Decimal

import pytest
from django.urls import reverse

from followup import services
from followup.models import OwnSurveyLink, OwnSurveyResponse, SurveyResult
from lov_portal.accounts.constants import Role
from tests.factories import (
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    user_with_role,
)
from tests.followup.factories import SurveyResultFactory, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    municipality = MunicipalityFactory(code="1430", name="Munkedal")
    provider = ProviderFactory(name="Åsa Omsorg AB")
    ContractFactory(provider=provider, municipality=municipality)
    officer = user_with_role(Role.QUALITY_OFFICER, municipality=municipality)
    survey = services.own_survey_create(
        municipality=municipality,
        provider=provider,
        service_type=ServiceTypeFactory(),
        year=2026,
        title="Hur har hösten varit?",
        questions=[
            ("Hur nöjd är du med hjälpen?", indicator()),
            ("Känner du dig trygg?", indicator("feels_safe")),
            ("Kommer personalen i tid?", None),
        ],
        free_text_question="Vill du säga något mer?",
        actor=officer,
    )
    services.own_survey_open(survey=survey, actor=officer)
    survey.officer = officer
    return survey


def answer(client, token, scores, free_text=""):
    questions = list(OwnSurveyLink.objects.first().survey.questions.all())
    data = {f"q{q.pk}": str(s) for q, s in zip(questions, scores, strict=False) if s}
    data["free_text"] = free_text
    return client.post(reverse("followup_public:own_survey_answer", args=[token]), data)


def test_a_link_answers_once_and_the_answer_is_not_tied_to_it(client, survey):
    [token] = services.own_survey_links_create(survey=survey, count=1, actor=survey.officer)
    assert OwnSurveyLink.objects.get().token_hash != token  # only the hash is kept
    url = reverse("followup_public:own_survey_answer", args=[token])
    assert client.get(url).status_code == 200
    response = answer(client, token, [5, 4, None], free_text="Tack!")
    assert "own-survey-thanks" in response.content.decode()
    again = answer(client, token, [1, 1, 1])
    assert again.status_code == 404
    assert OwnSurveyResponse.objects.count() == 1
    response_fields = {f.name for f in OwnSurveyResponse._meta.get_fields()}
    assert not {"link", "user", "citizen", "created_at"} & response_fields
    assert OwnSurveyResponse.objects.get().answers.count() == 2  # the third left out


def test_closing_rolls_up_shares_and_keeps_an_imported_result(client, survey):
    SurveyResultFactory(
        municipality=survey.municipality,
        provider=survey.provider,
        service_type=survey.service_type,
        indicator=indicator("feels_safe"),
        value=Decimal("77"),
        respondents=40,
        source="import",
    )
    tokens = services.own_survey_links_create(survey=survey, count=6, actor=survey.officer)
    for token, score in zip(tokens, [5, 4, 4, 2, 1, 5], strict=True):
        answer(client, token, [score, score, score])
    skipped = services.own_survey_close(survey=survey, actor=survey.officer)
    overall = SurveyResult.objects.get(indicator=indicator())
    # 4 of 6 answered 4 or 5.
    assert (overall.value, overall.respondents, overall.source) == (
        Decimal("66.67"),
        6,
        "own_survey",
    )
    assert overall.own_survey == survey
    safe = SurveyResult.objects.get(indicator=indicator("feels_safe"))
    assert (safe.value, safe.source) == (Decimal("77.00"), "import")
    assert skipped == [indicator("feels_safe").name]
    # Closed: the links cannot be used any more.
    assert services.own_survey_link_get(token=tokens[0]) is None


def test_four_answers_are_stored_but_not_published(client, survey):
    tokens = services.own_survey_links_create(survey=survey, count=4, actor=survey.officer)
    for token in tokens:
        answer(client, token, [5, 5, 5])
    services.own_survey_close(survey=survey, actor=survey.officer)
    result = SurveyResult.objects.get(indicator=indicator())
    assert result.respondents == 4 and not result.is_publishable


def test_officer_pages_make_links_and_another_municipality_sees_nothing(client, survey):
    client.force_login(survey.officer)
    url = reverse("followup:own_survey_detail", args=[survey.pk])
    page = client.post(url, {"action": "links", "count": "3"})
    assert page.content.decode().count("/enkat/") == 3
    csv_response = client.post(url, {"action": "links_csv", "count": "2"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode("utf-8-sig").count("/enkat/") == 2
    assert OwnSurveyLink.objects.count() == 5
    other = user_with_role(Role.QUALITY_OFFICER, municipality=MunicipalityFactory())
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "close"}).status_code == 404


def test_closing_a_closed_survey_again_says_why_instead_of_failing(client, survey):
    # A second click or a stale page: the survey is closed already.
    client.force_login(survey.officer)
    url = reverse("followup:own_survey_detail", args=[survey.pk])
    closed = client.post(url, {"action": "close"}, follow=True)
    assert [m.level_tag for m in closed.context["messages"]] == ["success"]
    again = client.post(url, {"action": "close"}, follow=True)
    assert again.status_code == 200
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    new_links = client.post(url, {"action": "links", "count": "2"}, follow=True)
    assert [m.level_tag for m in new_links.context["messages"]] == ["error"]
    assert OwnSurveyLink.objects.count() == 0
