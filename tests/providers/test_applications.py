"""The provider's online application in the browser (Django test client): a draft over several
sittings, field-level refusal of a disguised executable without losing the rest of the POST,
submission that freezes the answers, completion and resubmission, withdrawal, and who may open
each application and document URL."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from lov_portal.accounts.constants import Role
from providers import services
from providers.constants import ApplicationStatus, CapacityUnit, EvidenceKind
from providers.models import Answer, Application, Document
from tests.factories import MunicipalityFactory, ProviderFactory, published_request, user_with_role
from tests.providers.conftest import (
    PDF_BYTES,
    application_with_document,
    complete_application,
    pdf_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    previous = translation.get_language()
    yield client
    # The middleware leaves English active in this thread; later tests expect the default.
    translation.activate(previous)


@pytest.fixture
def evidence(nobo):
    """A second request of the cooperation whose one section asks for each kind of evidence."""
    request = published_request(
        municipalities=[nobo["sotenas"], nobo["lysekil"]],
        actor=nobo["procurement"],
        reference="LOV-2026-2",
        title="Hemtjänst med bevis",
        requirements=[
            ("Vi följer kollektivavtal", EvidenceKind.DECLARATION, {}),
            ("Beskriv kvalitetsarbetet", EvidenceKind.TEXT, {}),
            ("SKV 4820 utfärdat", EvidenceKind.DATE, {"max_age_days": 60}),
            ("Ansvarsförsäkring", EvidenceKind.DOCUMENT, {"tracks_expiry": True}),
        ],
    )
    version = request.versions.get()
    section = version.sections.get()
    declaration, text, date_requirement, document = section.requirements.all()
    application = services.application_start(
        provider=nobo["provider"], version=version, actor=nobo["provider_user"]
    )
    return {
        "version": version,
        "section": section,
        "declaration": declaration,
        "text": text,
        "date": date_requirement,
        "document": document,
        "application": application,
    }


def _section_url(application, section):
    return reverse("providers:application_section", args=[application.pk, section.pk])


def _answers(application):
    return {a.requirement_id: a for a in Answer.objects.filter(application=application)}


# --- Starting, and a draft over several sittings -----------------------------------------------


def test_open_requests_are_listed_and_apply_starts_or_continues_the_draft(client, nobo):
    client.force_login(nobo["provider_user"])
    listing = client.get(reverse("providers:application_list"))
    assert listing.status_code == 200
    assert "Hemtjänst i norra Bohuslän" in listing.content.decode()
    assert "Apply" in listing.content.decode()

    start = reverse("providers:application_start", args=[nobo["version"].pk])
    response = client.post(start, {"provider": nobo["provider"].pk})
    application = Application.objects.get(provider=nobo["provider"])
    assert application.status == ApplicationStatus.DRAFT
    assert response.url == reverse("providers:application_scope", args=[application.pk])

    again = client.post(start, {"provider": nobo["provider"].pk})
    assert again.status_code == 302
    assert Application.objects.filter(provider=nobo["provider"]).count() == 1
    listing = client.get(reverse("providers:application_list")).content.decode()
    assert "Continue" in listing and "Draft" in listing


def test_apply_for_another_provider_or_a_closed_request_is_refused(client, nobo):
    client.force_login(nobo["provider_user"])
    start = reverse("providers:application_start", args=[nobo["version"].pk])
    assert client.post(start, {"provider": ProviderFactory().pk}).status_code == 404
    assert client.get(start).status_code == 405
    services.request_close(request=nobo["request"], actor=nobo["procurement"])
    assert client.post(start, {"provider": nobo["provider"].pk}).status_code == 404
    assert not Application.objects.exists()


def test_draft_is_saved_step_by_step_and_is_there_at_the_next_sitting(client, nobo):
    user, version = nobo["provider_user"], nobo["version"]
    application = services.application_start(provider=nobo["provider"], version=version, actor=user)
    section = version.sections.get()
    area_sotenas = version.areas.get(municipality=nobo["sotenas"])
    service = version.service_types.get()
    sotenas = nobo["sotenas"].pk
    client.force_login(user)

    response = client.post(
        reverse("providers:application_scope", args=[application.pk]),
        {
            f"m{sotenas}_apply": "on",
            f"m{sotenas}_capacity": "400",
            f"m{sotenas}_unit": CapacityUnit.HOURS_PER_MONTH,
            f"m{nobo['lysekil'].pk}_unit": CapacityUnit.CUSTOMERS,
            "service_types": [service.pk],
            "areas": [area_sotenas.pk],
            "continue": "1",
        },
    )
    assert response.url == _section_url(application, section)
    declaration, text, _date = section.requirements.all()
    client.post(
        _section_url(application, section),
        {f"r{declaration.pk}_declaration": "on", f"r{text.pk}_text": "Tio år med hemtjänst."},
    )

    # Next sitting: a new login; the values are where they were left.
    client.logout()
    client.force_login(user)
    scope = client.get(reverse("providers:application_scope", args=[application.pk]))
    form = scope.context["form"]
    assert form[f"m{sotenas}_apply"].value() is True
    assert form[f"m{sotenas}_capacity"].value() == 400
    assert form[f"m{nobo['lysekil'].pk}_apply"].value() is False
    assert form["areas"].value() == [area_sotenas.pk]
    steps = {step.key: step.complete for step in scope.context["steps"]}
    assert steps["scope"] is True
    assert steps[f"section-{section.pk}"] is False  # the date is still missing

    page = client.get(_section_url(application, section))
    form = page.context["form"]
    assert form[f"r{declaration.pk}_declaration"].value() is True
    assert form[f"r{text.pk}_text"].value() == "Tio år med hemtjänst."
    assert "Tio år med hemtjänst." in page.content.decode()
    decision = application.municipalities.get()
    assert (decision.municipality, decision.capacity_value) == (nobo["sotenas"], 400)


def test_scope_errors_are_shown_at_the_field_and_keep_the_input(client, nobo):
    user, version = nobo["provider_user"], nobo["version"]
    application = services.application_start(provider=nobo["provider"], version=version, actor=user)
    area_lysekil = version.areas.get(municipality=nobo["lysekil"])
    sotenas, lysekil = nobo["sotenas"].pk, nobo["lysekil"].pk
    client.force_login(user)
    response = client.post(
        reverse("providers:application_scope", args=[application.pk]),
        {
            f"m{sotenas}_apply": "on",
            f"m{sotenas}_capacity": "-3",
            f"m{sotenas}_unit": CapacityUnit.HOURS_PER_MONTH,
            f"m{lysekil}_capacity": "20",
            f"m{lysekil}_unit": CapacityUnit.CUSTOMERS,
            "areas": [area_lysekil.pk],
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert f"m{sotenas}_capacity" in errors
    assert "Tick “Apply to Lysekil”" in errors[f"m{lysekil}_capacity"][0]
    assert area_lysekil.name in errors["areas"][0]
    assert 'value="20"' in response.content.decode()  # what was typed is shown again
    assert not application.municipalities.exists()


# --- The review step names what is missing -----------------------------------------------------


def test_review_step_names_each_missing_or_too_old_requirement_with_a_link(client, nobo):
    application = complete_application(nobo, skv_date=timezone.localdate() - timedelta(days=90))
    text = nobo["version"].sections.get().requirements.get(evidence_kind=EvidenceKind.TEXT)
    services.answer_save(
        application=application, requirement=text, text="  ", actor=nobo["provider_user"]
    )
    client.force_login(nobo["provider_user"])
    submit = reverse("providers:application_submit", args=[application.pk])
    page = client.get(submit)
    content = page.content.decode()
    assert "Missing answer: Grundkrav: Beskriv verksamheten" in content
    assert "Too old (at most 60 days): Grundkrav: SKV 4820, högst två månader gammalt" in content
    section_url = _section_url(application, nobo["version"].sections.get())
    assert [url for _message, url in page.context["problems"]] == [section_url, section_url]

    response = client.post(submit, follow=True)
    assert "The application is not complete yet." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


# --- The renamed executable: refused at the field, the rest of the POST is kept ---------------


@pytest.mark.parametrize(
    "executable",
    [b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, b"\x7fELF\x02\x01\x01" + b"\x00" * 200],
    ids=["windows-exe", "linux-elf"],
)
def test_executable_renamed_pdf_is_refused_and_everything_else_is_kept(
    client, nobo, evidence, executable
):
    application, user = evidence["application"], nobo["provider_user"]
    issued = timezone.localdate() - timedelta(days=10)
    expires = timezone.localdate() + timedelta(days=300)
    client.force_login(user)
    # An earlier sitting uploaded a real document; it must survive the refused one.
    client.post(
        _section_url(application, evidence["section"]),
        {f"r{evidence['document'].pk}_document": pdf_upload("Försäkring 2026.pdf")},
    )
    earlier = Answer.objects.get(requirement=evidence["document"]).document
    assert earlier.original_name == "Försäkring 2026.pdf"

    response = client.post(
        _section_url(application, evidence["section"]),
        {
            f"r{evidence['declaration'].pk}_declaration": "on",
            f"r{evidence['text'].pk}_text": "Vi arbetar enligt SOSFS 2011:9.",
            f"r{evidence['date'].pk}_date": issued.isoformat(),
            f"r{evidence['document'].pk}_expires_on": expires.isoformat(),
            f"r{evidence['document'].pk}_document": pdf_upload("försäkring.pdf", executable),
        },
    )

    assert response.status_code == 200
    field = f"r{evidence['document'].pk}_document"
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert "We check the file's content, not its name." in form.errors[field][0]
    content = response.content.decode()
    assert "We check the file&#x27;s content, not its name." in content
    assert "Everything else on this page has been saved." in content
    # Every other answer of the same POST is saved ...
    answers = _answers(application)
    assert answers[evidence["declaration"].pk].declaration is True
    assert answers[evidence["text"].pk].text == "Vi arbetar enligt SOSFS 2011:9."
    assert answers[evidence["date"].pk].date == issued
    assert answers[evidence["document"].pk].expires_on == expires
    # ... the executable is not stored, and the earlier document is still the evidence ...
    assert answers[evidence["document"].pk].document == earlier
    assert Document.objects.count() == 1
    # ... and the page shows all of it again.
    assert "Vi arbetar enligt SOSFS 2011:9." in content
    assert issued.isoformat() in content and expires.isoformat() in content
    assert "Försäkring 2026.pdf" in content
    assert reverse("providers:document_download", args=[earlier.pk]) in content


def test_uploaded_document_is_shown_downloadable_and_replaceable(client, nobo, evidence):
    application = evidence["application"]
    field = f"r{evidence['document'].pk}_document"
    client.force_login(nobo["provider_user"])
    url = _section_url(application, evidence["section"])
    assert client.post(url, {field: pdf_upload("Försäkring.pdf")}).status_code == 302
    first = Answer.objects.get(requirement=evidence["document"]).document

    page = client.get(url).content.decode()
    download = reverse("providers:document_download", args=[first.pk])
    assert "Försäkring.pdf" in page and download in page
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "attachment" in response["Content-Disposition"]

    client.post(url, {field: pdf_upload("Ny försäkring.pdf")})
    replaced = Answer.objects.get(requirement=evidence["document"]).document
    assert replaced != first and replaced.original_name == "Ny försäkring.pdf"


# --- Submitting freezes; completion; withdrawal --------------------------------------------------


def test_submit_freezes_the_answers(client, nobo):
    application = complete_application(nobo)
    client.force_login(nobo["provider_user"])
    response = client.post(reverse("providers:application_submit", args=[application.pk]))
    assert response.url == reverse("providers:application_detail", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    section = nobo["version"].sections.get()
    text = section.requirements.get(evidence_kind=EvidenceKind.TEXT)
    for url in (
        reverse("providers:application_scope", args=[application.pk]),
        _section_url(application, section),
        reverse("providers:application_submit", args=[application.pk]),
    ):
        get = client.get(url)
        assert get.url == reverse("providers:application_detail", args=[application.pk])
    after = client.post(
        _section_url(application, section), {f"r{text.pk}_text": "Ändrat"}, follow=True
    )
    assert "its answers can no longer be changed" in after.content.decode()
    assert Answer.objects.get(requirement=text).text == "Vi har arbetat med hemtjänst i tio år."
    detail = client.get(reverse("providers:application_detail", args=[application.pk]))
    assert "Continue the application" not in detail.content.decode()


def test_completion_request_is_shown_answered_and_resubmitted(client, nobo):
    application = complete_application(nobo)
    user = nobo["provider_user"]
    services.application_submit(application=application, actor=user)
    services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])
    services.completion_request_create(
        application=application,
        message="Beskriv verksamheten närmare, med rutiner för Lex Sarah.",
        actor=nobo["reviewer_sotenas"],
    )
    client.force_login(user)
    detail = client.get(reverse("providers:application_detail", args=[application.pk]))
    content = detail.content.decode()
    assert "Beskriv verksamheten närmare, med rutiner för Lex Sarah." in content
    assert "Complete the application" in content

    section = nobo["version"].sections.get()
    text = section.requirements.get(evidence_kind=EvidenceKind.TEXT)
    page = client.get(_section_url(application, section))
    assert "Beskriv verksamheten närmare" in page.content.decode()
    client.post(
        _section_url(application, section),
        {
            f"r{text.pk}_text": "Ny beskrivning med rutin för Lex Sarah.",
            **{
                f"r{r.pk}_declaration": "on"
                for r in section.requirements.filter(evidence_kind=EvidenceKind.DECLARATION)
            },
            **{
                f"r{r.pk}_date": timezone.localdate().isoformat()
                for r in section.requirements.filter(evidence_kind=EvidenceKind.DATE)
            },
        },
    )
    assert Answer.objects.get(requirement=text).text == "Ny beskrivning med rutin för Lex Sarah."

    submit = reverse("providers:application_submit", args=[application.pk])
    no_reply = client.post(submit, {"reply": ""})
    assert no_reply.status_code == 200
    assert "reply" in no_reply.context["reply_form"].errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETION_REQUESTED

    response = client.post(submit, {"reply": "Beskrivningen är kompletterad."})
    assert response.url == reverse("providers:application_detail", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    completion = application.completion_requests.get()
    assert completion.reply == "Beskrivningen är kompletterad."
    assert completion.replied_at is not None


def test_withdraw_asks_for_confirmation(client, nobo):
    application = complete_application(nobo)
    client.force_login(nobo["provider_user"])
    url = reverse("providers:application_withdraw", args=[application.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, withdraw the application" in confirm.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT

    response = client.post(url)
    assert response.url == reverse("providers:application_list")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    again = client.get(url, follow=True)
    assert "can no longer be withdrawn" in again.content.decode()


# --- Who may open what ---------------------------------------------


def _application_urls(application, section):
    return [
        reverse("providers:application_detail", args=[application.pk]),
        reverse("providers:review_detail", args=[application.pk]),
        reverse("providers:application_scope", args=[application.pk]),
        reverse("providers:application_section", args=[application.pk, section.pk]),
        reverse("providers:application_submit", args=[application.pk]),
        reverse("providers:application_withdraw", args=[application.pk]),
    ]


def test_outsiders_get_404_on_every_application_and_document_url(client, nobo):
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    application, document = application_with_document(
        municipality=nobo["sotenas"],
        provider=nobo["provider"],
        provider_user=nobo["provider_user"],
        procurement=nobo["procurement"],
    )
    draft, draft_document = application_with_document(
        municipality=nobo["lysekil"],
        provider=nobo["provider"],
        provider_user=nobo["provider_user"],
        procurement=user_with_role(Role.PROCUREMENT_OFFICER, municipality=nobo["lysekil"]),
        submit=False,
    )
    outsiders = [
        user_with_role(Role.PROVIDER_USER, provider=ProviderFactory()),
        user_with_role(Role.BOARD_REVIEWER, municipality=tanum),
        user_with_role(Role.PROCUREMENT_OFFICER, municipality=tanum),
    ]
    urls = [
        *_application_urls(application, application.version.sections.get()),
        *_application_urls(draft, draft.version.sections.get()),
        reverse("providers:document_download", args=[document.pk]),
        reverse("providers:document_download", args=[draft_document.pk]),
    ]
    for user in outsiders:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            if "/dokument/" not in url:
                assert client.post(url).status_code == 404, (user, url)
    application.refresh_from_db()
    draft.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert draft.status == ApplicationStatus.DRAFT


def test_cooperation_reviewers_download_submitted_evidence_but_never_edit(client, nobo):
    application, document = application_with_document(
        municipality=nobo["sotenas"],
        provider=nobo["provider"],
        provider_user=nobo["provider_user"],
        procurement=nobo["procurement"],
    )
    _draft, draft_document = application_with_document(
        municipality=nobo["sotenas"],
        provider=nobo["provider"],
        provider_user=nobo["provider_user"],
        procurement=nobo["procurement"],
        submit=False,
    )
    client.force_login(nobo["reviewer_sotenas"])
    detail = client.get(reverse("providers:review_detail", args=[application.pk]))
    download = reverse("providers:document_download", args=[document.pk])
    assert download in detail.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    # A draft's evidence is the provider's own until it is submitted.
    draft_download = reverse("providers:document_download", args=[draft_document.pk])
    assert client.get(draft_download).status_code == 404
    for url in _application_urls(application, application.version.sections.get())[2:]:
        assert client.get(url).status_code == 404, url
    # Lysekil is not part of that request: its reviewer sees nothing.
    client.force_login(nobo["reviewer_lysekil"])
    assert client.get(download).status_code == 404
    # The provider downloads both.
    client.force_login(nobo["provider_user"])
    assert client.get(download).status_code == 200
    assert client.get(draft_download).status_code == 200


def test_problems_match_application_missing(nobo):
    application = complete_application(nobo, skv_date=timezone.localdate() - timedelta(days=90))
    problems = services.application_problems(application)
    assert [p.message for p in problems] == services.application_missing(application)
    assert len(problems) == 1
    assert problems[0].section_id == nobo["version"].sections.get().pk


def test_saving_a_step_again_keeps_the_assessment_of_unchanged_answers(client, nobo):
    application = complete_application(nobo)
    user, reviewer = nobo["provider_user"], nobo["reviewer_sotenas"]
    services.application_submit(application=application, actor=user)
    services.application_review_start(application=application, actor=reviewer)
    for answer in application.answers.all():
        services.assessment_record(answer=answer, result="met", actor=reviewer)
    services.completion_request_create(application=application, message="Mer text.", actor=reviewer)
    section = nobo["version"].sections.get()
    text = section.requirements.get(evidence_kind=EvidenceKind.TEXT)
    client.force_login(user)
    form = client.get(_section_url(application, section)).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False, ""):
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data[f"r{text.pk}_text"] = "En längre beskrivning."
    assert client.post(_section_url(application, section), data).status_code == 302
    assessed = {a.requirement_id: hasattr(a, "assessment") for a in application.answers.all()}
    assert assessed.pop(text.pk) is False  # changed: to be assessed again
    assert all(assessed.values())  # unchanged: the assessment stays


def test_one_refused_file_does_not_cost_another_file_or_a_saved_date(client, nobo):
    request = published_request(
        municipalities=[nobo["sotenas"]],
        actor=nobo["procurement"],
        reference="LOV-2026-3",
        requirements=[
            ("IVO-tillstånd", EvidenceKind.DOCUMENT, {}),
            ("Ansvarsförsäkring", EvidenceKind.DOCUMENT, {}),
            ("SKV 4820 utfärdat", EvidenceKind.DATE, {"max_age_days": 60}),
        ],
    )
    version = request.versions.get()
    section = version.sections.get()
    permit, insurance, skv = section.requirements.all()
    application = services.application_start(
        provider=nobo["provider"], version=version, actor=nobo["provider_user"]
    )
    saved_date = timezone.localdate() - timedelta(days=5)
    services.answer_save(
        application=application, requirement=skv, date_value=saved_date, actor=nobo["provider_user"]
    )
    client.force_login(nobo["provider_user"])
    response = client.post(
        _section_url(application, section),
        {
            f"r{permit.pk}_document": pdf_upload("IVO-tillstånd.pdf"),
            f"r{insurance.pk}_document": pdf_upload("försäkring.pdf", b"MZ" + b"\0" * 64),
            f"r{skv.pk}_date": "2026-02-31",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {f"r{insurance.pk}_document", f"r{skv.pk}_date"}
    answers = _answers(application)
    assert answers[permit.pk].document.original_name == "IVO-tillstånd.pdf"
    assert insurance.pk not in answers
    assert answers[skv.pk].date == saved_date  # the impossible date does not erase the saved one
    content = response.content.decode()
    assert "IVO-tillstånd.pdf" in content
    assert reverse("providers:document_download", args=[answers[permit.pk].document.pk]) in content
    assert 'value="2026-02-31"' in content  # what was typed is shown for correction


def test_a_section_of_another_request_is_not_found(client, nobo, evidence):
    client.force_login(nobo["provider_user"])
    other_section = nobo["version"].sections.get()
    url = _section_url(evidence["application"], other_section)
    assert client.get(url).status_code == 404
