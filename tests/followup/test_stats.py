"""Board statistics (issue 8, item 6): each figure on data built through the services, the
scope to one's own municipality, the page with charts, the CSV (golden file) and the
assessor's reason for a change of provider.

Golden files: UPDATE_GOLDEN=1 rewrites them after a deliberate change; review the diff."""

import datetime
import itertools
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from assessments import services as assessments
from assessments.constants import ChangeReason, GrantUnit
from assessments.models import Choice, Order
from followup.selectors import board_statistics
from followup.stats_output import board_csv
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from lov_portal.core.constants import NoChoiceRule
from providers import services as providers
from providers.constants import CapacityUnit, ContractStatus, EvidenceKind
from providers.models import Application, ContractEvent
from tests.factories import (
    AreaFactory,
    AreaPostalCodeFactory,
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    published_request,
    user_with_role,
)

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
YEAR = 2025
# A day after the year: every month of YEAR is shown.
AFTER = datetime.date(2026, 1, 15)
_numbers = itertools.count(1)


def _golden(name: str, actual: bytes) -> bytes:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
    return path.read_bytes()


def _identity_number() -> str:
    """Skatteverket's test series 19121212-1212 style: a Luhn-valid number per citizen."""
    from stdnum import luhn

    serial = next(_numbers)
    base = f"121212{serial:03d}"
    return f"1912{base[2:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


@pytest.fixture
def s(settings):
    settings.CHANGE_OF_PROVIDER_DAYS = 14
    munkedal = MunicipalityFactory(
        code="1430", name="Munkedal", no_choice_rule=NoChoiceRule.IN_HOUSE
    )
    lysekil = MunicipalityFactory(code="1484", name="Lysekil")
    area = AreaFactory(municipality=munkedal, name="Munkedal tätort")
    AreaPostalCodeFactory(area=area, postal_code="45530")
    other_area = AreaFactory(municipality=lysekil, name="Lysekil centrum")
    AreaPostalCodeFactory(area=other_area, postal_code="45331")
    care = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    own = ProviderFactory(
        name="Munkedals kommun – egen regi", is_in_house=True, in_house_municipality=munkedal
    )
    bohus = ProviderFactory(name="Bohus Omsorg ek. för.")
    kusten = ProviderFactory(name="Kustens Hemtjänst AB")
    for provider in (own, bohus, kusten):
        ContractFactory(
            provider=provider,
            municipality=munkedal,
            service_types=[care],
            areas=[area],
            valid_from=datetime.date(2024, 1, 1),
        )
    ContractFactory(
        provider=bohus,
        municipality=lysekil,
        service_types=[care],
        areas=[other_area],
        valid_from=datetime.date(2024, 1, 1),
    )
    return {
        "munkedal": munkedal,
        "lysekil": lysekil,
        "care": care,
        "own": own,
        "bohus": bohus,
        "kusten": kusten,
        "assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=munkedal),
        "lysekil_assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=lysekil),
        "reviewer": user_with_role(Role.BOARD_REVIEWER, municipality=munkedal),
        "procurement": user_with_role(Role.PROCUREMENT_OFFICER, municipality=munkedal),
        "quality": user_with_role(Role.QUALITY_OFFICER, municipality=munkedal),
        "lysekil_quality": user_with_role(Role.QUALITY_OFFICER, municipality=lysekil),
    }


def decided(s, *, municipality=None, assessor=None, postal_code="45530"):
    assessor = assessor or s["assessor"]
    citizen = assessments.citizen_register(
        identity_number=_identity_number(),
        municipality=municipality or s["munkedal"],
        first_name="Tyra",
        last_name="Testsson",
        postal_code=postal_code,
        actor=assessor,
    )
    decision = assessments.decision_draft_create(
        citizen=citizen,
        valid_from=datetime.date(YEAR, 1, 1),
        services=[(s["care"], 20, GrantUnit.HOURS_PER_MONTH)],
        actor=assessor,
    )
    return assessments.decision_decide(
        decision=decision, decision_date=datetime.date(YEAR, 1, 1), actor=assessor
    )


def choose(s, decision, provider, on, **kwargs):
    return assessments.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s[provider],
        chosen_on=on,
        actor=kwargs.pop("actor", s["assessor"]),
        **kwargs,
    )


def confirm(order, starts_on):
    user = user_with_role(Role.PROVIDER_USER, provider=order.provider)
    return assessments.order_confirm(order=order, starts_on=starts_on, actor=user)


def row(stats, table, key):
    return next(r for r in stats.table(table).rows if r.key == key)


def month(stats, table, key) -> dict[int, object]:
    """{month: value} of the non-zero months, and the year under 0."""
    r = row(stats, table, key)
    values = {m: v for m, v in enumerate(r.months, start=1) if v}
    return {**values, 0: r.total}


# --- Choices, no-choice and changes of provider ---------------------------------------------


@pytest.fixture
def choices(s):
    first = decided(s)
    choose(s, first, "own", datetime.date(YEAR, 2, 10))
    choose(
        s,
        first,
        "bohus",
        datetime.date(YEAR, 5, 5),
        change_reason=ChangeReason.DISSATISFIED,
        change_reason_text="Kom ofta sent.",
    )
    no_choice = decided(s)
    assessments.no_choice_apply(
        decision=no_choice,
        service_type=s["care"],
        on=datetime.date(YEAR, 2, 20),
        actor=s["assessor"],
    )
    third = decided(s)
    choose(s, third, "bohus", datetime.date(YEAR, 3, 1))
    # A new version of the decision copies the choice: not a new choice, not a change.
    draft = assessments.decision_revise(decision=third, actor=s["assessor"])
    assessments.decision_draft_update(
        decision=draft,
        valid_from=datetime.date(YEAR, 6, 1),
        services=[(s["care"], 30, GrantUnit.HOURS_PER_MONTH)],
        legal_basis=third.legal_basis,
        actor=s["assessor"],
    )
    assessments.decision_decide(
        decision=draft, decision_date=datetime.date(YEAR, 6, 1), actor=s["assessor"]
    )
    fourth = decided(s)
    choose(s, fourth, "kusten", datetime.date(YEAR, 3, 15))
    choose(s, fourth, "own", datetime.date(YEAR, 3, 20), change_reason=ChangeReason.OTHER)
    # A citizen of another municipality is not counted.
    elsewhere = decided(
        s, municipality=s["lysekil"], assessor=s["lysekil_assessor"], postal_code="45331"
    )
    choose(s, elsewhere, "bohus", datetime.date(YEAR, 2, 1), actor=s["lysekil_assessor"])
    # Nor is a choice in another year.
    choose(
        s,
        decided(s),
        "kusten",
        datetime.date(YEAR + 1, 1, 5),
    )
    return s


def test_citizens_who_chose_and_who_got_the_no_choice_alternative(choices):
    stats = board_statistics(municipality=choices["munkedal"], year=YEAR, today=AFTER)

    assert month(stats, "choices", "chose") == {2: 1, 3: 2, 0: 3}
    assert month(stats, "choices", "no_choice") == {2: 1, 0: 1}
    assert Choice.objects.filter(decision__citizen__municipality=choices["munkedal"]).count() == 8


def test_changes_of_provider_and_their_reasons(choices):
    stats = board_statistics(municipality=choices["munkedal"], year=YEAR, today=AFTER)

    assert month(stats, "choices", "changes") == {3: 1, 5: 1, 0: 2}
    assert month(stats, "reasons", "reason_dissatisfied") == {5: 1, 0: 1}
    assert month(stats, "reasons", "reason_other") == {3: 1, 0: 1}
    assert month(stats, "reasons", "reason_moved") == {0: 0}
    assert "reason_not_recorded" not in [r.key for r in stats.table("reasons").rows]


def test_a_change_without_a_recorded_reason_is_counted_as_not_recorded(s):
    decision = decided(s)
    choose(s, decision, "own", datetime.date(YEAR, 4, 1))
    choose(s, decision, "kusten", datetime.date(YEAR, 4, 2))

    stats = board_statistics(municipality=s["munkedal"], year=YEAR, today=AFTER)

    assert month(stats, "reasons", "reason_not_recorded") == {4: 1, 0: 1}


def test_months_that_have_not_begun_are_empty(choices):
    stats = board_statistics(
        municipality=choices["munkedal"], year=YEAR, today=datetime.date(YEAR, 3, 10)
    )

    chose = row(stats, "choices", "chose")
    assert chose.months[:3] == [0, 1, 2] and chose.months[3:] == [None] * 9
    assert stats.shown_until == 3


# --- Orders per provider ---------------------------------------------------------------------


def test_orders_active_at_month_end_per_provider(s):
    first = decided(s)
    order = choose(s, first, "own", datetime.date(YEAR, 2, 10))
    confirm(order, datetime.date(YEAR, 2, 10))
    # Changed on 5 May: the old order ends 19 May, the new one starts 20 May.
    new = choose(s, first, "bohus", datetime.date(YEAR, 5, 5))
    confirm(new, datetime.date(YEAR, 5, 20))
    second = decided(s)
    confirm(choose(s, second, "bohus", datetime.date(YEAR, 4, 1)), datetime.date(YEAR, 4, 30))
    # Not confirmed: not started, not counted.
    choose(s, decided(s), "kusten", datetime.date(YEAR, 6, 1))

    stats = board_statistics(municipality=s["munkedal"], year=YEAR, today=AFTER)

    rows = {r.label: r for r in stats.table("orders").rows}
    assert list(rows) == ["Bohus Omsorg ek. för.", "Munkedals kommun – egen regi (egen regi)"]
    own = rows["Munkedals kommun – egen regi (egen regi)"]
    assert own.months == [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0] and own.total == 1
    bohus = rows["Bohus Omsorg ek. för."]
    assert bohus.months == [0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2] and bohus.total == 2


# --- Providers approved, rejected, suspended, terminated; handling time ----------------------

_requests = itertools.count(1)


def board_decision(s, provider, *, approve, submitted, decided_on):
    """An application of `provider` to Munkedal, submitted and decided on the given days."""
    user = user_with_role(Role.PROVIDER_USER, provider=provider)
    request = published_request(
        municipalities=[s["munkedal"]],
        actor=s["procurement"],
        reference=f"LOV-STAT-{next(_requests)}",
    )
    version = request.versions.get()
    application = providers.application_start(provider=provider, version=version, actor=user)
    providers.application_scope_save(
        application=application,
        capacities={s["munkedal"]: (None, CapacityUnit.HOURS_PER_MONTH)},
        service_types=version.service_types.all(),
        areas=version.areas.all(),
        actor=user,
    )
    answers = {
        EvidenceKind.DECLARATION: {"declaration": True},
        EvidenceKind.TEXT: {"text": "Svar"},
        EvidenceKind.DATE: {"date_value": timezone.localdate()},
    }
    for requirement in version.sections.get().requirements.all():
        providers.answer_save(
            application=application,
            requirement=requirement,
            actor=user,
            **answers[requirement.evidence_kind],
        )
    providers.application_submit(application=application, actor=user)
    # Fixture: the submission happened on `submitted` (the service stamps now).
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime.combine(submitted, datetime.time(10)))
    )
    providers.application_review_start(application=application, actor=s["reviewer"])
    return providers.application_decide(
        application_municipality=application.municipalities.get(),
        approve=approve,
        decision_date=decided_on,
        board_reference="ON 2025/1",
        reasons="" if approve else "Saknar tillstånd från IVO.",
        actor=s["reviewer"],
    )


def contract_event(s, contract, to, on):
    admin = user_with_role(Role.MUNICIPAL_ADMIN, municipality=s["munkedal"])
    providers.contract_change_status(contract=contract, to=to, reason="Brister", actor=admin)
    # Fixture: the event happened on `on` (the model stamps now).
    event = ContractEvent.objects.filter(contract=contract).latest("pk")
    ContractEvent.objects.filter(pk=event.pk).update(
        at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
    )


@pytest.fixture
def decisions(s, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alfa, beta, gamma = (ProviderFactory(name=n) for n in ("Alfa AB", "Beta AB", "Gamma AB"))
    approved = board_decision(
        s,
        alfa,
        approve=True,
        submitted=datetime.date(YEAR, 1, 10),
        decided_on=datetime.date(YEAR, 2, 9),
    )
    board_decision(
        s,
        beta,
        approve=True,
        submitted=datetime.date(YEAR, 1, 20),
        decided_on=datetime.date(YEAR, 2, 28),
    )
    board_decision(
        s,
        gamma,
        approve=False,
        submitted=datetime.date(YEAR, 3, 1),
        decided_on=datetime.date(YEAR, 3, 26),
    )
    # Another year's decision is not counted.
    board_decision(
        s,
        ProviderFactory(),
        approve=True,
        submitted=datetime.date(YEAR - 1, 11, 1),
        decided_on=datetime.date(YEAR - 1, 12, 1),
    )
    contract = approved.contract
    contract_event(s, contract, ContractStatus.SUSPENDED, datetime.date(YEAR, 6, 3))
    contract_event(s, contract, ContractStatus.ACTIVE, datetime.date(YEAR, 7, 1))
    contract_event(s, contract, ContractStatus.TERMINATED, datetime.date(YEAR, 11, 30))
    return s


def test_providers_approved_rejected_suspended_and_terminated(decisions):
    stats = board_statistics(municipality=decisions["munkedal"], year=YEAR, today=AFTER)

    assert month(stats, "providers", "approved") == {2: 2, 0: 2}
    assert month(stats, "providers", "rejected") == {3: 1, 0: 1}
    assert month(stats, "providers", "suspended") == {6: 1, 0: 1}
    assert month(stats, "providers", "terminated") == {11: 1, 0: 1}


def test_application_handling_time_median_and_mean_per_month_of_decision(decisions):
    stats = board_statistics(municipality=decisions["munkedal"], year=YEAR, today=AFTER)

    # February: 30 and 39 days; March: 25 days.
    assert month(stats, "handling", "decisions") == {2: 2, 3: 1, 0: 3}
    assert month(stats, "handling", "median_days") == {
        2: Decimal("34.5"),
        3: Decimal("25.0"),
        0: Decimal("30.0"),
    }
    assert month(stats, "handling", "mean_days") == {
        2: Decimal("34.5"),
        3: Decimal("25.0"),
        0: Decimal("31.3"),
    }


def test_a_decision_dated_before_the_submission_has_no_handling_time(s, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    board_decision(
        s,
        ProviderFactory(),
        approve=True,
        submitted=datetime.date(YEAR, 5, 10),
        decided_on=datetime.date(YEAR, 5, 1),
    )

    stats = board_statistics(municipality=s["munkedal"], year=YEAR, today=AFTER)

    assert month(stats, "providers", "approved") == {5: 1, 0: 1}
    assert month(stats, "handling", "decisions") == {0: 0}


def test_another_municipalitys_decisions_are_not_counted(decisions):
    stats = board_statistics(municipality=decisions["lysekil"], year=YEAR, today=AFTER)

    assert all(r.total == 0 for r in stats.table("providers").rows)
    assert row(stats, "handling", "median_days").total is None


# --- The page, the CSV and who sees them -----------------------------------------------------


@override_settings(LANGUAGE_CODE="en")
def test_the_page_shows_tables_and_accessible_charts(client, choices):
    for order in Order.objects.filter(status="sent"):
        confirm(order, order.requested_start)
    client.force_login(choices["reviewer"])

    response = client.get(reverse("followup:statistics_year", args=["1430", YEAR]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="table-choices"' in page and 'id="table-orders"' in page
    assert page.count('role="img"') == 3  # choices, providers, orders
    assert '<title id="chart-choices-title">' in page and '<desc id="chart-choices-desc">' in page
    assert "Chose a provider: 3 in the year, most in March (2)" in page
    assert "Tyra" not in page  # only counts, never a citizen


def test_the_index_goes_to_ones_own_municipality_and_the_chosen_year(client, s):
    client.force_login(s["quality"])

    response = client.get(reverse("followup:statistics"))
    assert response.url == reverse(
        "followup:statistics_year", args=["1430", timezone.localdate().year]
    )
    chosen = client.get(reverse("followup:statistics"), {"municipality": "1430", "year": YEAR})
    assert chosen.url == reverse("followup:statistics_year", args=["1430", YEAR])
    # Another municipality cannot be chosen: the default is used instead.
    other = client.get(reverse("followup:statistics"), {"municipality": "1484", "year": YEAR})
    assert "/1484/" not in other.url


def test_another_municipalitys_statistics_are_404(client, s):
    client.force_login(s["lysekil_quality"])

    for name in ("followup:statistics_year", "followup:statistics_csv"):
        assert client.get(reverse(name, args=["1430", YEAR])).status_code == 404
        assert client.get(reverse(name, args=["9999", YEAR])).status_code == 404
    page = client.get(reverse("followup:statistics_year", args=["1484", YEAR])).content.decode()
    assert "Munkedal" not in page


def test_a_year_not_offered_is_404(client, s):
    client.force_login(s["reviewer"])
    next_year = timezone.localdate().year + 1

    assert (
        client.get(reverse("followup:statistics_year", args=["1430", next_year])).status_code == 404
    )
    assert client.get(reverse("followup:statistics_year", args=["1430", 2008])).status_code == 404


def test_a_board_reviewer_finds_the_statistics_on_the_workspace(client, s):
    client.force_login(s["reviewer"])

    page = client.get(reverse("core:home")).content.decode()

    assert f'href="{reverse("followup:statistics")}"' in page


def test_csv_matches_the_golden_file_and_is_audited(client, choices, decisions):
    for order in Order.objects.filter(status="sent"):
        confirm(order, order.requested_start)
    with translation.override("en"):
        stats = board_statistics(municipality=choices["munkedal"], year=YEAR, today=AFTER)
        text = board_csv(stats)
    client.force_login(choices["reviewer"])

    response = client.get(reverse("followup:statistics_csv", args=["1430", YEAR]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="namndstatistik-1430-2025.csv"' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    assert ";34,5;" in text  # decimal comma
    assert text.encode("utf-8") == _golden("board-statistics.csv", text.encode("utf-8"))
    assert AuditEvent.objects.filter(action="export", message="board statistics CSV").exists()


# --- The assessor records the reason for a change --------------------------------------------


@override_settings(LANGUAGE_CODE="en")
def test_the_choice_form_asks_for_a_reason_only_on_a_change(client, s):
    decision = decided(s)
    client.force_login(s["assessor"])
    detail = reverse("assessments:decision_detail", args=[decision.pk])
    prefix = f"choice-{s['care'].pk}"

    assert f"{prefix}-change_reason" not in client.get(detail).content.decode()
    choose(s, decision, "own", datetime.date(YEAR, 2, 1))
    assert f'name="{prefix}-change_reason"' in client.get(detail).content.decode()

    url = reverse("assessments:choice_record", args=[decision.pk, decision.services.get().pk])
    data = {
        f"{prefix}-provider": s["bohus"].pk,
        f"{prefix}-helped_by": "relative",
        f"{prefix}-chosen_on": f"{YEAR}-04-01",
    }
    missing = client.post(url, data)
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    other = client.post(url, {**data, f"{prefix}-change_reason": "other"})
    assert "Say in a few words what the reason is." in other.content.decode()

    response = client.post(
        url,
        {
            **data,
            f"{prefix}-change_reason": "moved",
            f"{prefix}-change_reason_text": "Flyttade till Hedekas.",
        },
    )

    assert response.status_code == 302
    change = Choice.objects.latest("pk")
    assert (change.provider, change.change_reason, change.change_reason_text) == (
        s["bohus"],
        "moved",
        "Flyttade till Hedekas.",
    )


def test_a_first_choice_keeps_no_reason(s):
    order = choose(
        s, decided(s), "own", datetime.date(YEAR, 2, 1), change_reason=ChangeReason.MOVED
    )

    assert order.choice.change_reason == ""


def test_an_unknown_reason_is_refused(s):
    from django.core.exceptions import ValidationError

    decision = decided(s)
    choose(s, decision, "own", datetime.date(YEAR, 2, 1))
    with pytest.raises(ValidationError):
        choose(s, decision, "bohus", datetime.date(YEAR, 3, 1), change_reason="bored")


# --- Demo data -------------------------------------------------------------------------------


def test_demo_statistics_for_munkedal_are_idempotent(settings, tmp_path):
    from django.core.management import call_command

    from followup.demo_stats import seed_stats
    from lov_portal.core.selectors import municipality_list

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    munkedal = municipality_list().get(code="1430")

    seed_stats(municipality=munkedal, actor=None)
    seed_stats(municipality=munkedal, actor=None)

    today = timezone.localdate()
    totals = {"chose": 0, "no_choice": 0, "changes": 0}
    for year in {today.year, today.year - 1}:
        stats = board_statistics(municipality=munkedal, year=year, today=today)
        for key in totals:
            totals[key] += row(stats, "choices", key).total
    assert totals == {"chose": 4, "no_choice": 2, "changes": 2}
    assert Choice.objects.filter(decision__citizen__municipality=munkedal).count() == 8
