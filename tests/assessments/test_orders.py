"""The citizen's choice, orders to providers, changes of provider and capacity ceilings."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse

from assessments import services
from assessments.constants import GrantUnit, OrderStatus
from assessments.models import Order
from lov_portal.accounts.constants import Role
from providers.constants import CapacityUnit
from tests.conftest import skip_or_fail
from tests.factories import (
    AreaFactory,
    AreaPostalCodeFactory,
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    user_with_role,
)

TODAY = datetime.date(2026, 11, 23)


def build(capacity=None, unit=CapacityUnit.CUSTOMERS):
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    area = AreaFactory(municipality=tanum, name="Grebbestad")
    AreaPostalCodeFactory(area=area, postal_code="45795")
    care = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    first = ProviderFactory(name="Alfa Omsorg AB", email="order@alfa.example")
    second = ProviderFactory(name="Beta Omsorg AB", email="order@beta.example")
    contracts = {
        p: ContractFactory(
            provider=p,
            municipality=tanum,
            service_types=[care],
            areas=[area],
            capacity_value=capacity,
            capacity_unit=unit,
        )
        for p in (first, second)
    }
    return {
        "tanum": tanum,
        "care": care,
        "first": first,
        "second": second,
        "contracts": contracts,
        "assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum),
        "first_user": user_with_role(Role.PROVIDER_USER, provider=first),
        "second_user": user_with_role(Role.PROVIDER_USER, provider=second),
    }


def decided(s, number="19121212-1212", hours=20):
    citizen = services.citizen_register(
        identity_number=number,
        municipality=s["tanum"],
        first_name="Tyra",
        last_name="Testsson",
        street_address="Strandgatan 3",
        postal_code="45795",
        actor=s["assessor"],
    )
    decision = services.decision_draft_create(
        citizen=citizen,
        valid_from=datetime.date(2026, 12, 1),
        services=[(s["care"], hours, GrantUnit.HOURS_PER_MONTH)],
        actor=s["assessor"],
    )
    return services.decision_decide(decision=decision, decision_date=TODAY, actor=s["assessor"])


@pytest.fixture
def s(db):
    return build()


def test_choice_orders_the_provider_who_confirms(client, s, django_capture_on_commit_callbacks):
    decision = decided(s)
    client.force_login(s["assessor"])
    url = reverse("assessments:choice_record", args=[decision.pk, decision.services.get().pk])
    prefix = f"choice-{s['care'].pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                f"{prefix}-provider": s["first"].pk,
                f"{prefix}-helped_by": "relative",
                f"{prefix}-chosen_on": "2026-11-23",
            },
        )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.provider, order.status, order.requested_start) == (
        s["first"],
        OrderStatus.SENT,
        datetime.date(2026, 12, 1),
    )
    assert order.choice.helped_by == "relative" and order.choice.no_choice_rule == ""
    # The e-mail tells the provider there is an order, not who it is for.
    assert mail.outbox[0].to == ["order@alfa.example"]
    assert "Tyra" not in mail.outbox[0].body and "1212" not in mail.outbox[0].body

    client.force_login(s["first_user"])
    page = client.get(reverse("provider_orders:detail", args=[order.pk])).content.decode()
    assert "Tyra Testsson" in page and "Strandgatan 3" in page
    client.post(reverse("provider_orders:detail", args=[order.pk]), {"starts_on": "2026-12-03"})
    order.refresh_from_db()
    assert (order.status, order.starts_on) == (OrderStatus.CONFIRMED, datetime.date(2026, 12, 3))

    # Another provider sees nothing of it.
    client.force_login(s["second_user"])
    assert client.get(reverse("provider_orders:detail", args=[order.pk])).status_code == 404
    assert "Tyra" not in client.get(reverse("provider_orders:list")).content.decode()


def test_change_of_provider_ends_the_old_order_and_starts_the_new(s, settings):
    settings.CHANGE_OF_PROVIDER_DAYS = 14
    decision = decided(s)
    old = services.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    services.order_confirm(order=old, starts_on=datetime.date(2026, 12, 1), actor=s["first_user"])

    new = services.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s["second"],
        chosen_on=datetime.date(2027, 2, 1),
        actor=s["assessor"],
    )
    old.refresh_from_db()
    assert (old.status, old.ends_on) == (OrderStatus.ENDED, datetime.date(2027, 2, 15))
    assert new.requested_start == datetime.date(2027, 2, 16)
    assert [h.to_status for h in old.history.all()] == ["confirmed", "ended"]


def test_protected_identity_never_shows_an_address_to_the_provider(client, s):
    decision = decided(s)
    services.citizen_update(citizen=decision.citizen, protected_identity=True, actor=s["assessor"])
    order = services.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    client.force_login(s["first_user"])
    page = client.get(reverse("provider_orders:detail", args=[order.pk])).content.decode()
    assert "Strandgatan" not in page and "45795" not in page and "457 95" not in page
    assert "skyddad identitet" in page


def test_a_full_provider_refuses_with_a_clear_message(db):
    s = build(capacity=1)
    services.choice_record(
        decision=decided(s),
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    with pytest.raises(ValidationError) as raised:
        services.choice_record(
            decision=decided(s, number="20170101-2393"),
            service_type=s["care"],
            provider=s["first"],
            chosen_on=TODAY,
            actor=s["assessor"],
        )
    assert raised.value.messages == [
        "Alfa Omsorg AB har inte plats för fler kunder just nu. Välj en annan utförare."
    ]


def test_hours_ceiling_counts_weekly_frames_per_month(db):
    s = build(capacity=100, unit=CapacityUnit.HOURS_PER_MONTH)
    services.choice_record(
        decision=decided(s, hours=80),
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    with pytest.raises(ValidationError):
        services.choice_record(
            decision=decided(s, number="20170101-2393", hours=21),
            service_type=s["care"],
            provider=s["first"],
            chosen_on=TODAY,
            actor=s["assessor"],
        )
    assert services.monthly_hours(Decimal(5), GrantUnit.FRAME_HOURS_PER_WEEK) == Decimal("21.67")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_choices_at_a_capacity_of_five_give_exactly_five_orders():
    """Real concurrent transactions: the contract row lock lets exactly one assessor take each
    free place."""
    if connection.vendor != "postgresql":
        skip_or_fail("row locks need PostgreSQL")
    s = build(capacity=5)
    numbers = [_number(i) for i in range(20)]
    decisions = [decided(s, number=n) for n in numbers]
    barrier = threading.Barrier(20)
    results = []

    def choose(decision):
        try:
            barrier.wait()
            services.choice_record(
                decision=decision,
                service_type=s["care"],
                provider=s["first"],
                chosen_on=TODAY,
                actor=s["assessor"],
            )
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.code if hasattr(exc, "code") else "error")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=choose, args=(d,)) for d in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("ok") == 5
    assert results.count("capacity") == 15
    assert Order.objects.filter(provider=s["first"]).count() == 5


def _number(i: int) -> str:
    from stdnum import luhn

    base = f"5001{i + 1:02d}{200 + i:03d}"  # born 1950-01-01 … 1950-01-20
    return f"19{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


# --- The no-choice alternative -----------------------------------------------------------------


def _with_in_house(s):
    own = ProviderFactory(
        name="Tanums kommun – hemtjänst i egen regi",
        is_in_house=True,
        in_house_municipality=s["tanum"],
    )
    area = s["contracts"][s["first"]].areas.get()
    ContractFactory(provider=own, municipality=s["tanum"], service_types=[s["care"]], areas=[area])
    return own


def test_in_house_rule_picks_the_municipalitys_own_provider_and_says_so(client, s):
    own = _with_in_house(s)
    decision = decided(s)
    client.force_login(s["assessor"])
    url = reverse("assessments:no_choice_apply", args=[decision.pk, decision.services.get().pk])
    client.post(url)

    order = Order.objects.get()
    assert order.provider == own
    assert order.choice.no_choice_rule == "in_house"
    page = client.get(reverse("assessments:decision_detail", args=[decision.pk])).content.decode()
    assert "Brukaren valde inte: ickevalsalternativ, Kommunens egen utförare." in page


def test_rotation_turns_month_by_month(s):
    s["tanum"].no_choice_rule = "rotation"
    s["tanum"].save()
    picks = [
        services.no_choice_provider(
            decision=decided(s, number=_number(i)),
            service_type=s["care"],
            on=datetime.date(2027, month, 1),
        )
        for i, month in enumerate([1, 2, 3])
    ]
    assert picks[0] != picks[1] and picks[0] == picks[2]


def test_turn_order_goes_to_the_next_provider_each_time(s):
    s["tanum"].no_choice_rule = "turn_order"
    s["tanum"].save()
    picked = []
    for i in range(3):
        order = services.no_choice_apply(
            decision=decided(s, number=_number(i)),
            service_type=s["care"],
            on=TODAY,
            actor=s["assessor"],
        )
        picked.append(order.provider)
    assert picked == [s["first"], s["second"], s["first"]]


def test_random_rule_skips_warned_and_full_providers(s):
    from providers.services import contract_warn

    s["tanum"].no_choice_rule = "random"
    s["tanum"].save()
    officer = user_with_role(Role.PROCUREMENT_OFFICER, municipality=s["tanum"])
    contract_warn(
        contract=s["contracts"][s["first"]], reason="Brister i journalföring", actor=officer
    )
    for i in range(5):
        order = services.no_choice_apply(
            decision=decided(s, number=_number(i)),
            service_type=s["care"],
            on=TODAY,
            actor=s["assessor"],
        )
        assert order.provider == s["second"]
        assert order.choice.no_choice_rule == "random"


def test_ending_a_decision_ends_its_orders(s):
    decision = decided(s)
    order = services.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    services.decision_end(
        decision=decision, ended_on=datetime.date(2027, 3, 31), actor=s["assessor"]
    )
    order.refresh_from_db()
    assert (order.status, order.ends_on) == (OrderStatus.ENDED, datetime.date(2027, 3, 31))


def test_a_new_decision_version_moves_the_orders_to_it(s):
    decision = decided(s, hours=20)
    old = services.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    draft = services.decision_revise(decision=decision, actor=s["assessor"])
    services.decision_draft_update(
        decision=draft,
        valid_from=datetime.date(2027, 2, 1),
        legal_basis="sol_4_1",
        services=[(s["care"], Decimal(30), GrantUnit.HOURS_PER_MONTH)],
        actor=s["assessor"],
    )
    services.decision_decide(decision=draft, decision_date=TODAY, actor=s["assessor"])

    old.refresh_from_db()
    assert (old.status, old.ends_on, old.granted_hours) == (
        OrderStatus.ENDED,
        datetime.date(2027, 1, 31),
        Decimal(20),
    )
    new = Order.objects.get(decision=draft)
    assert (new.provider, new.granted_hours, new.requested_start) == (
        s["first"],
        Decimal(30),
        datetime.date(2027, 2, 1),
    )


def test_assessor_workspace_lists_unconfirmed_orders_and_links_the_catalogue(client, s):
    decision = decided(s)
    services.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    client.force_login(s["assessor"])
    home = client.get(reverse("assessments:home")).content.decode()
    assert "Beställningar som utföraren inte har bekräftat" in home
    assert "Tyra Testsson</a>: Hemtjänst – omvårdnad, Alfa Omsorg AB" in home

    page = client.get(reverse("assessments:decision_detail", args=[decision.pk])).content.decode()
    area = decision.citizen.area_id
    assert f"/katalog/1435/utskrift/?area={area}&amp;services=hemtjanst-omvardnad" in page


def test_a_refused_choice_is_shown_at_its_form_on_the_decision_page(client, db):
    s = build(capacity=1)
    services.choice_record(
        decision=decided(s),
        service_type=s["care"],
        provider=s["first"],
        chosen_on=TODAY,
        actor=s["assessor"],
    )
    decision = decided(s, number="20170101-2393")
    client.force_login(s["assessor"])
    prefix = f"choice-{s['care'].pk}"
    response = client.post(
        reverse("assessments:choice_record", args=[decision.pk, decision.services.get().pk]),
        {
            f"{prefix}-provider": s["first"].pk,
            f"{prefix}-helped_by": "self",
            f"{prefix}-chosen_on": "2026-11-23",
        },
    )
    assert response.status_code == 200
    assert "Alfa Omsorg AB har inte plats för fler kunder just nu." in response.content.decode()
    assert not Order.objects.filter(decision=decision).exists()
