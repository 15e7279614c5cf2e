"""Needs-assessment decisions: drafts with granted services, deciding, new versions that never
rewrite the decided one, ending, the PDF for the citizen, and scoping."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from assessments import services
from assessments.constants import DecisionStatus, GrantUnit
from assessments.models import Decision
from lov_portal.accounts.constants import Role
from tests.factories import MunicipalityFactory, ServiceTypeFactory, user_with_role


@pytest.fixture
def setup(db):
    tanum = MunicipalityFactory(code="1435", name="Tanum", organisation_name="Tanums kommun")
    assessor = user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum, full_name="Britt Bedömare")
    citizen = services.citizen_register(
        identity_number="19121212-1212",
        municipality=tanum,
        first_name="Åke",
        last_name="Öhrström",
        actor=assessor,
    )
    return {
        "assessor": assessor,
        "citizen": citizen,
        "care": ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad"),
        "service": ServiceTypeFactory(code="hemtjanst-service", name="Hemtjänst – service"),
        "outsider": user_with_role(Role.NEEDS_ASSESSOR, municipality=MunicipalityFactory()),
    }


def post_decision(client, setup, rows):
    client.force_login(setup["assessor"])
    data = {
        "legal_basis": "sol_4_1",
        "valid_from": "2026-12-01",
        "valid_to": "",
        "reasons": "Behöver hjälp med personlig omvårdnad och städning.",
        "services-TOTAL_FORMS": "3",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "3",
        "services-MAX_NUM_FORMS": "1000",
    }
    for i in range(3):
        service, hours, unit = rows[i] if i < len(rows) else ("", "", GrantUnit.HOURS_PER_MONTH)
        data[f"services-{i}-service_type"] = service
        data[f"services-{i}-granted_hours"] = hours
        data[f"services-{i}-unit"] = unit
    url = reverse("assessments:decision_create", args=[setup["citizen"].pk])
    return client.post(url, data)


def test_draft_decide_revise_and_end(client, setup):
    care, service = setup["care"], setup["service"]
    response = post_decision(
        client, setup, [(care.pk, "20", "hours_per_month"), (service.pk, "4", "hours_per_month")]
    )
    decision = Decision.objects.get()
    assert response.url == reverse("assessments:decision_detail", args=[decision.pk])
    assert decision.status == DecisionStatus.DRAFT
    assert [(s.service_type, s.granted_hours) for s in decision.services.all()] == [
        (care, 20),
        (service, 4),
    ]

    client.post(
        reverse("assessments:decision_decide", args=[decision.pk]), {"decision_date": "2026-11-23"}
    )
    decision.refresh_from_db()
    assert (decision.status, decision.assessor) == (DecisionStatus.DECIDED, setup["assessor"])

    # A change is a new version; the decided one is not touched until the new one is decided.
    client.post(reverse("assessments:decision_revise", args=[decision.pk]))
    new = Decision.objects.get(previous=decision)
    assert (new.version, new.status) == (2, DecisionStatus.DRAFT)
    services.decision_draft_update(
        decision=new,
        valid_from=datetime.date(2027, 1, 1),
        legal_basis="sol_4_1",
        services=[(care, 30, GrantUnit.HOURS_PER_MONTH)],
        actor=setup["assessor"],
    )
    assert decision.services.get(service_type=care).granted_hours == 20
    services.decision_decide(
        decision=new, decision_date=datetime.date(2026, 12, 20), actor=setup["assessor"]
    )
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.SUPERSEDED
    assert decision.services.count() == 2  # what was decided stays as it was

    client.post(reverse("assessments:decision_end", args=[new.pk]), {"ended_on": "2027-06-30"})
    new.refresh_from_db()
    assert (new.status, new.ended_on) == (DecisionStatus.ENDED, datetime.date(2027, 6, 30))
    assert [h.to_status for h in new.history.all()] == ["decided", "ended"]


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ([], None, "Bevilja minst en insats."),
        (
            [("care", "", "hours_per_month")],
            "granted_hours",
            "Ange den beviljade tiden för insatsen.",
        ),
        ([("", "5", "hours_per_month")], "service_type", "Välj vilken insats tiden gäller."),
    ],
)
def test_bad_services_get_messages_and_nothing_is_saved(client, setup, rows, field, message):
    rows = [(setup[s].pk if s else "", h, u) for s, h, u in rows]
    response = post_decision(client, setup, rows)
    assert response.status_code == 200
    if field:
        errors = [e for f in response.context["formset"].forms for e in f.errors.get(field, [])]
    else:
        errors = response.context["form"].non_field_errors()
    assert errors == [message]
    assert response.context["form"]["reasons"].value().startswith("Behöver hjälp")
    assert not Decision.objects.exists()


def test_a_decided_decision_is_never_edited_and_cannot_be_decided_twice(setup):
    decision = services.decision_draft_create(
        citizen=setup["citizen"],
        valid_from=datetime.date(2026, 12, 1),
        services=[(setup["care"], 10, GrantUnit.HOURS_PER_MONTH)],
        actor=setup["assessor"],
    )
    services.decision_decide(
        decision=decision, decision_date=datetime.date(2026, 11, 23), actor=setup["assessor"]
    )
    with pytest.raises(ValidationError):
        services.decision_draft_update(
            decision=decision,
            valid_from=datetime.date(2026, 12, 1),
            legal_basis="sol_4_1",
            services=[(setup["care"], 99, GrantUnit.HOURS_PER_MONTH)],
            actor=setup["assessor"],
        )
    with pytest.raises(ValidationError):
        services.decision_decide(
            decision=decision, decision_date=datetime.date(2026, 11, 24), actor=setup["assessor"]
        )
    assert decision.services.get().granted_hours == 10


def test_decision_pdf_for_the_citizen(client, setup):
    decision = services.decision_draft_create(
        citizen=setup["citizen"],
        valid_from=datetime.date(2026, 12, 1),
        services=[(setup["care"], 20, GrantUnit.HOURS_PER_MONTH)],
        actor=setup["assessor"],
    )
    services.decision_decide(
        decision=decision, decision_date=datetime.date(2026, 11, 23), actor=setup["assessor"]
    )
    client.force_login(setup["assessor"])
    response = client.get(reverse("assessments:decision_pdf", args=[decision.pk]))

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Åke Öhrström" in text
    assert "Hemtjänst – omvårdnad" in text
    assert "förvaltningsrätten" in text
    assert "Tanums kommun" in text


def test_another_municipality_gets_404_on_every_decision_url(client, setup):
    decision = services.decision_draft_create(
        citizen=setup["citizen"],
        valid_from=datetime.date(2026, 12, 1),
        services=[(setup["care"], 20, GrantUnit.HOURS_PER_MONTH)],
        actor=setup["assessor"],
    )
    client.force_login(setup["outsider"])
    for name in ("decision_detail", "decision_update", "decision_pdf"):
        assert client.get(reverse(f"assessments:{name}", args=[decision.pk])).status_code == 404
    for name in ("decision_decide", "decision_revise", "decision_end"):
        assert client.post(reverse(f"assessments:{name}", args=[decision.pk])).status_code == 404
    granted = decision.services.get().pk
    for name in ("choice_record", "no_choice_apply"):
        url = reverse(f"assessments:{name}", args=[decision.pk, granted])
        assert client.post(url).status_code == 404
    # A provider user gets nothing of the assessor's pages either.
    client.force_login(user_with_role(Role.PROVIDER_USER))
    assert client.get(reverse("assessments:decision_detail", args=[decision.pk])).status_code in (
        403,
        404,
    )
    url = reverse("assessments:decision_create", args=[setup["citizen"].pk])
    assert client.get(url).status_code == 404
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
