"""Reviewers' actions in the browser (plain form POSTs): start the review, assess every
requirement, ask for completion, and each municipality's board decision — only by that
municipality's board reviewers."""

from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from lov_portal.accounts.constants import Role
from providers import services
from providers.constants import ApplicationStatus, AssessmentResult, DecisionStatus
from providers.models import Assessment, CompletionRequest, Contract, StatusChange
from tests.factories import MunicipalityFactory, ProviderFactory, user_with_role
from tests.providers.conftest import complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """UI text is asserted in English (the msgids), whatever the Swedish translation says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def submitted(nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    return application


@pytest.fixture
def in_review(nobo, submitted):
    services.application_review_start(application=submitted, actor=nobo["reviewer_sotenas"])
    return submitted


def _page(application):
    return reverse("providers:review_detail", args=[application.pk])


def _decision_url(application, municipality):
    decision = application.municipalities.get(municipality=municipality)
    return reverse("providers:decision_record", args=[decision.pk])


def _outsiders():
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    return [
        user_with_role(Role.PROVIDER_USER, provider=ProviderFactory()),
        user_with_role(Role.BOARD_REVIEWER, municipality=tanum),
        user_with_role(Role.PROCUREMENT_OFFICER, municipality=tanum),
    ]


# --- Start review, waiting clock, history -----------------------------------------------------


def test_reviewer_starts_the_review_and_the_history_shows_who_and_when(client, nobo, submitted):
    client.force_login(nobo["reviewer_lysekil"])
    page = client.get(_page(submitted))
    assert reverse("providers:review_start", args=[submitted.pk]) in page.content.decode()
    assert "Waiting for the municipality" in page.content.decode()

    response = client.post(reverse("providers:review_start", args=[submitted.pk]))

    assert response.status_code == 302
    assert response.url == _page(submitted)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.IN_REVIEW
    change = StatusChange.objects.get(object_id=submitted.pk, to_status="in_review")
    assert change.actor == nobo["reviewer_lysekil"]
    history = client.get(_page(submitted)).context["history"]
    assert [c.label for c in history] == [
        "Application: Draft → Submitted",
        "Application: Submitted → In review",
    ]
    assert history[-1].actor == nobo["reviewer_lysekil"]
    assert nobo["reviewer_lysekil"].full_name in client.get(_page(submitted)).content.decode()


def test_provider_sees_no_reviewer_forms_and_cannot_start_the_review(client, nobo, in_review):
    client.force_login(nobo["provider_user"])
    page = client.get(reverse("providers:application_detail", args=[in_review.pk]))
    assert page.context["assessment_form"] is None
    assert page.context["completion_form"] is None
    assert page.context["decision_forms"] == []
    assert page.context["history"] == []

    response = client.post(reverse("providers:assessment_record", args=[in_review.pk]), {})
    assert response.status_code == 403


def test_reviewer_actions_give_outsiders_404_and_change_nothing(client, submitted):
    urls = [
        reverse("providers:review_start", args=[submitted.pk]),
        reverse("providers:completion_request_create", args=[submitted.pk]),
        reverse("providers:assessment_record", args=[submitted.pk]),
        *[
            reverse("providers:decision_record", args=[d.pk])
            for d in submitted.municipalities.all()
        ],
    ]
    for user in _outsiders():
        client.force_login(user)
        for url in urls:
            response = client.post(url, {"message": "Hej"})
            assert response.status_code == 404, (user, url, response.status_code)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert not CompletionRequest.objects.exists()


def test_reviewer_actions_are_post_only(client, nobo, submitted):
    client.force_login(nobo["reviewer_sotenas"])
    assert client.get(reverse("providers:review_start", args=[submitted.pk])).status_code == 405


# --- Assessments ------------------------------------------------------------------------------


def _assessment_data(application, results):
    """POST data for the assessment form: results {requirement text prefix: (result, comment)}."""
    data = {}
    for answer in application.answers.select_related("requirement"):
        for prefix, (result, comment) in results.items():
            if answer.requirement.text.startswith(prefix):
                data[f"result_{answer.pk}"] = result
                data[f"comment_{answer.pk}"] = comment
    return data


def test_reviewer_records_all_assessments_on_one_form(client, nobo, in_review):
    client.force_login(nobo["reviewer_lysekil"])
    page = client.get(_page(in_review))
    assert len(page.context["assessment_form"].rows()) == 3

    response = client.post(
        reverse("providers:assessment_record", args=[in_review.pk]),
        _assessment_data(
            in_review,
            {
                "Företaget har F-skatt": (AssessmentResult.MET, ""),
                "Beskriv verksamheten": (AssessmentResult.NOT_MET, "Lex Sarah saknas."),
                "SKV 4820": (AssessmentResult.MET, "Daterat i år."),
            },
        ),
    )

    assert response.status_code == 302
    assessments = {
        a.answer.requirement.evidence_kind: a
        for a in Assessment.objects.select_related("answer__requirement")
    }
    assert {k: (a.result, a.comment) for k, a in assessments.items()} == {
        "declaration": (AssessmentResult.MET, ""),
        "text": (AssessmentResult.NOT_MET, "Lex Sarah saknas."),
        "date": (AssessmentResult.MET, "Daterat i år."),
    }
    assert all(a.assessed_by == nobo["reviewer_lysekil"] for a in assessments.values())
    # The form opens again with what was recorded, and says who assessed.
    page = client.get(_page(in_review))
    assert "Lex Sarah saknas." in page.content.decode()
    assert f"Last assessed by {nobo['reviewer_lysekil'].full_name}" in page.content.decode()


def test_not_met_needs_a_comment_at_the_field_and_nothing_is_saved(client, nobo, in_review):
    client.force_login(nobo["reviewer_sotenas"])
    data = _assessment_data(
        in_review,
        {
            "Företaget har F-skatt": (AssessmentResult.MET, "Bra."),
            "Beskriv verksamheten": (AssessmentResult.NOT_MET, ""),
        },
    )

    response = client.post(reverse("providers:assessment_record", args=[in_review.pk]), data)

    assert response.status_code == 200
    form = response.context["assessment_form"]
    text_answer = in_review.answers.get(requirement__text__startswith="Beskriv")
    assert list(form.errors) == [f"comment_{text_answer.pk}"]
    assert "Say why the requirement is not met" in response.content.decode()
    assert "Bra." in response.content.decode()  # the other input is kept
    assert not Assessment.objects.exists()


def test_assessing_before_the_review_has_started_is_refused(client, nobo, submitted):
    client.force_login(nobo["reviewer_sotenas"])
    data = _assessment_data(submitted, {"Företaget": (AssessmentResult.MET, "")})
    response = client.post(
        reverse("providers:assessment_record", args=[submitted.pk]), data, follow=True
    )
    assert "Start the review before assessing." in response.content.decode()
    assert not Assessment.objects.exists()


# --- Completion request -----------------------------------------------------------------------


def test_completion_request_creates_the_message_and_e_mails_the_provider(
    client, nobo, in_review, django_capture_on_commit_callbacks
):
    client.force_login(nobo["reviewer_sotenas"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers:completion_request_create", args=[in_review.pk]),
            {"message": "Bifoga ert F-skattebevis."},
        )

    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.COMPLETION_REQUESTED
    assert in_review.waiting_since is None  # the clock stops while the provider works
    completion = CompletionRequest.objects.get()
    assert (completion.message, completion.requested_by) == (
        "Bifoga ert F-skattebevis.",
        nobo["reviewer_sotenas"],
    )
    assert [m.to for m in mail.outbox] == [[nobo["provider_user"].email]]
    assert reverse("providers:application_detail", args=[in_review.pk]) in mail.outbox[0].body
    # The provider reads the message on its application page.
    client.force_login(nobo["provider_user"])
    page = client.get(reverse("providers:application_detail", args=[in_review.pk]))
    assert "Bifoga ert F-skattebevis." in page.content.decode()


def test_completion_request_needs_a_message(client, nobo, in_review):
    client.force_login(nobo["reviewer_sotenas"])
    response = client.post(
        reverse("providers:completion_request_create", args=[in_review.pk]), {"message": "  "}
    )
    assert response.status_code == 200
    assert list(response.context["completion_form"].errors) == ["message"]
    assert "Say what is missing." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == ApplicationStatus.IN_REVIEW
    assert not CompletionRequest.objects.exists()


# --- Board decisions --------------------------------------------------------------------------


def _decision_data(decision_pk, **values):
    data = {"outcome": "approve", "decision_date": "2026-11-20", "board_reference": "ON 2026/1"}
    data.update(values)
    return {f"decision-{decision_pk}-{k}": v for k, v in data.items()}


def test_each_board_reviewer_gets_only_their_municipalitys_decision_form(client, nobo, in_review):
    for name in ("sotenas", "lysekil"):
        client.force_login(nobo[f"reviewer_{name}"])
        forms = client.get(_page(in_review)).context["decision_forms"]
        assert [f.decision.municipality for f in forms] == [nobo[name]]
    client.force_login(nobo["procurement"])  # reviews, but is not on the board
    assert client.get(_page(in_review)).context["decision_forms"] == []


def test_sotenas_board_approves_and_the_letter_follows(
    client, nobo, in_review, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(nobo["reviewer_sotenas"])
    decision = in_review.municipalities.get(municipality=nobo["sotenas"])

    response = client.post(
        _decision_url(in_review, nobo["sotenas"]), _decision_data(decision.pk, outcome="approve")
    )

    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    assert (decision.decision_date, decision.board_reference, decision.decided_by) == (
        date(2026, 11, 20),
        "ON 2026/1",
        nobo["reviewer_sotenas"],
    )
    assert Contract.objects.get().municipality == nobo["sotenas"]
    history = client.get(_page(in_review)).context["history"]
    assert (history[-1].label, history[-1].actor) == (
        "Decision, Sotenäs: Awaiting decision → Approved",
        nobo["reviewer_sotenas"],
    )
    letter_url = reverse("providers:decision_letter", args=[decision.pk])
    # The PDF task runs after commit; until it has, the page says it is being generated.
    page = client.get(_page(in_review)).content.decode()
    assert "Being generated" in page
    assert letter_url not in page
    assert "ON 2026/1" in page

    with django_capture_on_commit_callbacks(execute=True):
        from providers import tasks

        tasks.render_decision_letter.delay(decision.pk)
    page = client.get(_page(in_review)).content.decode()
    assert letter_url in page
    assert "Being generated" not in page


def test_rejection_without_reasons_is_a_field_error_and_keeps_the_input(client, nobo, in_review):
    client.force_login(nobo["reviewer_lysekil"])
    decision = in_review.municipalities.get(municipality=nobo["lysekil"])

    response = client.post(
        _decision_url(in_review, nobo["lysekil"]),
        _decision_data(decision.pk, outcome="reject", reasons="   ", board_reference="SON 7"),
    )

    assert response.status_code == 200
    [form] = response.context["decision_forms"]
    assert list(form.errors) == ["reasons"]
    assert "A rejection must give its reasons" in response.content.decode()
    assert 'value="SON 7"' in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_lysekil_board_rejects_with_reasons(client, nobo, in_review):
    client.force_login(nobo["reviewer_lysekil"])
    decision = in_review.municipalities.get(municipality=nobo["lysekil"])
    reasons = "Rutiner för Lex Sarah och nyckelhantering saknas."

    response = client.post(
        _decision_url(in_review, nobo["lysekil"]),
        _decision_data(decision.pk, outcome="reject", reasons=reasons),
    )

    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.reasons) == (DecisionStatus.REJECTED, reasons)
    assert not Contract.objects.exists()
    assert reasons in client.get(_page(in_review)).content.decode()


def test_a_board_reviewer_cannot_decide_for_another_municipality(client, nobo, in_review):
    sotenas = in_review.municipalities.get(municipality=nobo["sotenas"])
    data = _decision_data(sotenas.pk, outcome="approve")
    # Lysekil's board reviewer reviews the application with the cooperation: 403.
    client.force_login(nobo["reviewer_lysekil"])
    assert client.post(_decision_url(in_review, nobo["sotenas"]), data).status_code == 403
    # Sotenäs' procurement officer reviews, but is not on the board: 403.
    client.force_login(nobo["procurement"])
    assert client.post(_decision_url(in_review, nobo["sotenas"]), data).status_code == 403
    # A board reviewer outside the cooperation does not even see it: 404.
    client.force_login(
        user_with_role(Role.BOARD_REVIEWER, municipality=MunicipalityFactory(code="1435"))
    )
    assert client.post(_decision_url(in_review, nobo["sotenas"]), data).status_code == 404
    sotenas.refresh_from_db()
    assert sotenas.status == DecisionStatus.PENDING


def test_deciding_before_the_review_has_started_is_refused(client, nobo, submitted):
    client.force_login(nobo["reviewer_sotenas"])
    decision = submitted.municipalities.get(municipality=nobo["sotenas"])
    response = client.post(
        _decision_url(submitted, nobo["sotenas"]), _decision_data(decision.pk), follow=True
    )
    assert "Only an application in review can be decided." in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING
