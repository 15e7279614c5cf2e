"""Rates and compensation rules: created, edited before they start, changed from a date once
started, never overlapping; rules from a date with per-service rules; all scoped and audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.constants import ProviderKind, RateUnit, RunStatus, TimeBand
from billing.models import BillingRules, Rate, ServiceRule
from billing.rules import rules_for
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.billing.rates_factories import BillingRulesFactory, RateFactory, invoice_run
from tests.factories import MunicipalityFactory, ServiceTypeFactory, user_with_role

pytestmark = pytest.mark.django_db


def _first_of_next_month(day: datetime.date, months: int = 1) -> datetime.date:
    for _i in range(months):
        day = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return day


TODAY = timezone.localdate()
LAST_YEAR = datetime.date(TODAY.year - 1, 1, 1)
NEXT_MONTH = _first_of_next_month(TODAY)
IN_TWO_MONTHS = _first_of_next_month(TODAY, 2)


@pytest.fixture
def setup():
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    lysekil = MunicipalityFactory(code="1484", name="Lysekil")
    care = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    service = ServiceTypeFactory(code="hemtjanst-service", name="Hemtjänst – service")
    return {
        "tanum": tanum,
        "lysekil": lysekil,
        "care": care,
        "service": service,
        "finance": user_with_role(Role.FINANCE_OFFICER, municipality=tanum),
        "lysekil_finance": user_with_role(Role.FINANCE_OFFICER, municipality=lysekil),
        "assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum),
    }


def _create(s, **overrides):
    fields = {
        "service_type": s["care"],
        "rate_zone": "",
        "time_band": TimeBand.DAY,
        "provider_kind": ProviderKind.ALL,
        "unit": RateUnit.PER_HOUR,
        "amount": Decimal("430.00"),
        "valid_from": LAST_YEAR,
        "valid_to": None,
    }
    fields.update(overrides)
    return services.rate_create(municipality=s["tanum"], actor=s["finance"], **fields)


# --- Services ------------------------------------------------------------------------------------


def test_rate_create_is_audited(setup):
    rate = _create(setup, amount=Decimal("430.5"))

    assert rate.amount == Decimal("430.50")
    event = AuditEvent.objects.get(object_type="billing.rate", object_id=str(rate.pk))
    assert event.action == "create"
    assert event.actor == setup["finance"]


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("430.555")])
def test_rate_amount_must_be_whole_ore_and_not_negative(setup, amount):
    with pytest.raises(ValidationError) as exc:
        _create(setup, amount=amount)
    assert "amount" in exc.value.error_dict
    assert not Rate.objects.exists()


def test_overlapping_period_for_the_same_key_is_refused(setup):
    _create(setup, valid_from=LAST_YEAR, valid_to=datetime.date(LAST_YEAR.year, 12, 31))

    with pytest.raises(ValidationError) as exc:
        _create(setup, valid_from=datetime.date(LAST_YEAR.year, 6, 1))
    assert "valid_from" in exc.value.error_dict
    assert Rate.objects.count() == 1


def test_adjacent_periods_and_other_keys_do_not_overlap(setup):
    _create(setup, valid_from=LAST_YEAR, valid_to=datetime.date(LAST_YEAR.year, 12, 31))
    # The next day, another kind of provider, another zone, another band, another service.
    _create(setup, valid_from=datetime.date(LAST_YEAR.year + 1, 1, 1))
    _create(setup, provider_kind=ProviderKind.PRIVATE)
    _create(setup, rate_zone="rural")
    _create(setup, time_band=TimeBand.NIGHT, unit=RateUnit.PER_VISIT)
    _create(setup, service_type=setup["service"])

    assert Rate.objects.count() == 6


def test_open_ended_rate_overlaps_any_later_one(setup):
    _create(setup, valid_from=LAST_YEAR)
    with pytest.raises(ValidationError) as exc:
        _create(setup, valid_from=IN_TWO_MONTHS, valid_to=IN_TWO_MONTHS)
    assert "valid_from" in exc.value.error_dict


def test_end_before_start_is_refused(setup):
    with pytest.raises(ValidationError) as exc:
        _create(setup, valid_from=NEXT_MONTH, valid_to=NEXT_MONTH - datetime.timedelta(days=1))
    assert "valid_to" in exc.value.error_dict


def test_only_the_municipalitys_finance_officers_write_its_rates(setup):
    with pytest.raises(PermissionDenied):
        services.rate_create(
            municipality=setup["tanum"],
            actor=setup["lysekil_finance"],
            service_type=setup["care"],
            time_band=TimeBand.DAY,
            amount=Decimal(1),
            valid_from=LAST_YEAR,
        )
    with pytest.raises(PermissionDenied):
        services.rate_create(
            municipality=setup["tanum"],
            actor=setup["assessor"],
            service_type=setup["care"],
            time_band=TimeBand.DAY,
            amount=Decimal(1),
            valid_from=LAST_YEAR,
        )


def test_supersede_closes_the_old_rate_and_starts_a_new_one(setup):
    old = _create(setup, valid_from=LAST_YEAR)

    new = services.rate_supersede(
        rate=old, new_amount=Decimal("445.25"), from_date=NEXT_MONTH, actor=setup["finance"]
    )

    old.refresh_from_db()
    assert old.amount == Decimal("430.00")  # never edited
    assert old.valid_to == NEXT_MONTH - datetime.timedelta(days=1)
    assert (new.amount, new.valid_from, new.valid_to) == (Decimal("445.25"), NEXT_MONTH, None)
    assert (new.service_type, new.time_band, new.rate_zone, new.provider_kind, new.unit) == (
        old.service_type,
        old.time_band,
        old.rate_zone,
        old.provider_kind,
        old.unit,
    )
    assert AuditEvent.objects.filter(object_type="billing.rate").count() == 3


def test_supersede_keeps_the_old_end_date(setup):
    end = datetime.date(TODAY.year + 1, 12, 31)
    old = _create(setup, valid_from=LAST_YEAR, valid_to=end)

    new = services.rate_supersede(
        rate=old, new_amount=Decimal(450), from_date=NEXT_MONTH, actor=setup["finance"]
    )

    assert new.valid_to == end


def test_supersede_must_start_inside_the_rates_period(setup):
    old = _create(setup, valid_from=LAST_YEAR, valid_to=datetime.date(LAST_YEAR.year, 12, 31))

    with pytest.raises(ValidationError) as exc:
        services.rate_supersede(
            rate=old, new_amount=Decimal(450), from_date=LAST_YEAR, actor=setup["finance"]
        )
    assert "from_date" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.rate_supersede(
            rate=old,
            new_amount=Decimal(450),
            from_date=datetime.date(LAST_YEAR.year + 1, 2, 1),
            actor=setup["finance"],
        )
    assert "from_date" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.rate_supersede(
            rate=old,
            new_amount=Decimal("-5"),
            from_date=datetime.date(LAST_YEAR.year, 6, 1),
            actor=setup["finance"],
        )
    assert "new_amount" in exc.value.error_dict
    old.refresh_from_db()
    assert old.valid_to == datetime.date(LAST_YEAR.year, 12, 31)
    assert Rate.objects.count() == 1


def test_a_coming_rate_is_edited_in_place_a_started_one_is_not(setup):
    coming = _create(setup, valid_from=IN_TWO_MONTHS)
    started = _create(setup, provider_kind=ProviderKind.PRIVATE, valid_from=LAST_YEAR)

    services.rate_update(rate=coming, amount=Decimal("499.90"), actor=setup["finance"])
    coming.refresh_from_db()
    assert coming.amount == Decimal("499.90")

    with pytest.raises(ValidationError):
        services.rate_update(rate=started, amount=Decimal("1.00"), actor=setup["finance"])
    with pytest.raises(ValidationError) as exc:
        services.rate_update(rate=coming, valid_from=LAST_YEAR, actor=setup["finance"])
    assert "valid_from" in exc.value.error_dict
    started.refresh_from_db()
    assert started.amount == Decimal("430.00")


def test_an_approved_month_is_not_changed_behind_its_back(setup):
    rate = _create(setup, valid_from=LAST_YEAR)
    approved_month = datetime.date(LAST_YEAR.year, 6, 1)
    invoice_run(setup["tanum"], approved_month, status=RunStatus.APPROVED)

    with pytest.raises(ValidationError) as exc:
        services.rate_supersede(
            rate=rate,
            new_amount=Decimal(450),
            from_date=datetime.date(LAST_YEAR.year, 5, 15),  # June uses the new amount
            actor=setup["finance"],
        )
    assert "from_date" in exc.value.error_dict
    # From mid-June the first month affected is July: allowed.
    services.rate_supersede(
        rate=rate,
        new_amount=Decimal(450),
        from_date=datetime.date(LAST_YEAR.year, 6, 15),
        actor=setup["finance"],
    )


def test_rules_from_a_date_with_service_rules(setup):
    first = services.billing_rules_create(
        municipality=setup["tanum"],
        valid_from=LAST_YEAR,
        actor=setup["finance"],
        round_evening_night_to=15,
        cutoff_day=5,
        private_supplement_percent=Decimal("1.5"),
        service_rules=[(setup["service"], Decimal(55), None), (setup["care"], Decimal(50), None)],
    )
    second = services.billing_rules_create(
        municipality=setup["tanum"],
        valid_from=NEXT_MONTH,
        actor=setup["finance"],
        cutoff_day=8,
        service_rules=[(setup["service"], Decimal(75), 96)],
    )

    # What was not given is taken from the rules before.
    assert second.private_supplement_percent == Decimal("1.5")
    assert (second.cutoff_day, first.cutoff_day) == (8, 5)
    assert rules_for(setup["tanum"].pk, TODAY) == first
    assert rules_for(setup["tanum"].pk, NEXT_MONTH) == second
    rule = ServiceRule.objects.get(rules=second)
    assert (rule.service_type, rule.declined_percent, rule.standard_minutes) == (
        setup["service"],
        Decimal(75),
        96,
    )
    assert AuditEvent.objects.filter(object_type="billing.billingrules").count() == 2


def test_rules_on_an_existing_date_or_with_bands_out_of_order_are_refused(setup):
    BillingRulesFactory(municipality=setup["tanum"], valid_from=NEXT_MONTH)
    with pytest.raises(ValidationError) as exc:
        services.billing_rules_create(
            municipality=setup["tanum"], valid_from=NEXT_MONTH, actor=setup["finance"]
        )
    assert "valid_from" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.billing_rules_create(
            municipality=setup["tanum"],
            valid_from=IN_TWO_MONTHS,
            actor=setup["finance"],
            evening_starts=23,
            night_starts=22,
        )
    assert "evening_starts" in exc.value.error_dict
    with pytest.raises(ValidationError):
        services.billing_rules_create(
            municipality=setup["tanum"],
            valid_from=IN_TWO_MONTHS,
            actor=setup["finance"],
            service_rules=[(setup["care"], Decimal(101), None)],
        )
    assert BillingRules.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.billing_rules_create(
            municipality=setup["tanum"], valid_from=IN_TWO_MONTHS, actor=setup["lysekil_finance"]
        )


# --- Views ---------------------------------------------------------------------------------------


def test_rate_list_groups_by_service_band_and_zone(client, setup):
    RateFactory(municipality=setup["tanum"], service_type=setup["care"], amount=Decimal("430"))
    RateFactory(
        municipality=setup["tanum"],
        service_type=setup["care"],
        provider_kind=ProviderKind.PRIVATE,
        amount=Decimal("436.45"),
    )
    RateFactory(municipality=setup["lysekil"], service_type=setup["care"], amount=Decimal("999"))
    client.force_login(setup["finance"])

    response = client.get(reverse("billing:rate_list"))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 1
    assert [r.amount for r in rows[0].all] == [Decimal("430.00")]
    assert [r.amount for r in rows[0].private] == [Decimal("436.45")]
    assert rows[0].in_house == []
    assert "999" not in response.content.decode()


def test_rate_list_filters_on_service_and_date(client, setup):
    RateFactory(
        municipality=setup["tanum"],
        service_type=setup["care"],
        valid_from=LAST_YEAR,
        valid_to=datetime.date(LAST_YEAR.year, 12, 31),
        amount=Decimal(400),
    )
    RateFactory(
        municipality=setup["tanum"],
        service_type=setup["care"],
        valid_from=datetime.date(LAST_YEAR.year + 1, 1, 1),
        amount=Decimal(430),
    )
    RateFactory(municipality=setup["tanum"], service_type=setup["service"], amount=Decimal(380))
    client.force_login(setup["finance"])

    response = client.get(
        reverse("billing:rate_list"),
        {
            "municipality": setup["tanum"].pk,
            "service_type": setup["care"].pk,
            "valid_on": LAST_YEAR.replace(month=3).isoformat(),
        },
    )

    rows = response.context["rows"]
    assert [(r.service_type, [x.amount for x in r.all]) for r in rows] == [
        (setup["care"], [Decimal(400)])
    ]


def test_another_municipalitys_rate_is_not_found(client, setup):
    rate = RateFactory(municipality=setup["lysekil"], valid_from=IN_TWO_MONTHS)
    client.force_login(setup["finance"])

    assert client.get(reverse("billing:rate_update", args=[rate.pk])).status_code == 404
    assert client.get(reverse("billing:rate_supersede", args=[rate.pk])).status_code == 404
    response = client.get(reverse("billing:rate_list"), {"municipality": setup["lysekil"].pk})
    assert response.context["municipality"] == setup["tanum"]  # an invalid choice is ignored


def test_create_rate_in_the_browser_shows_field_errors(client, setup):
    _create(setup, valid_from=LAST_YEAR)
    client.force_login(setup["finance"])
    data = {
        "municipality": setup["tanum"].pk,
        "service_type": setup["care"].pk,
        "time_band": TimeBand.DAY,
        "rate_zone": "",
        "provider_kind": ProviderKind.ALL,
        "unit": RateUnit.PER_HOUR,
        "amount": "440,123",
        "valid_from": NEXT_MONTH.isoformat(),
    }

    response = client.post(reverse("billing:rate_create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"amount"}

    data["amount"] = "440,10"
    response = client.post(reverse("billing:rate_create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"valid_from"}  # overlaps the running rate
    assert 'id="id_valid_from"' in response.content.decode()

    data["provider_kind"] = ProviderKind.PRIVATE
    response = client.post(reverse("billing:rate_create"), data)
    assert response.status_code == 302
    assert Rate.objects.get(provider_kind=ProviderKind.PRIVATE).amount == Decimal("440.10")


def test_a_started_rate_edit_goes_to_change_from_date(client, setup):
    rate = _create(setup, valid_from=LAST_YEAR)
    client.force_login(setup["finance"])

    response = client.get(reverse("billing:rate_update", args=[rate.pk]))
    assert response.status_code == 302
    assert response.url == reverse("billing:rate_supersede", args=[rate.pk])

    response = client.post(
        reverse("billing:rate_supersede", args=[rate.pk]),
        {"new_amount": "455,50", "from_date": NEXT_MONTH.isoformat()},
    )
    assert response.status_code == 302
    assert list(
        Rate.objects.order_by("valid_from").values_list("amount", "valid_from", "valid_to")
    ) == [
        (Decimal("430.00"), LAST_YEAR, NEXT_MONTH - datetime.timedelta(days=1)),
        (Decimal("455.50"), NEXT_MONTH, None),
    ]


def test_a_coming_rate_is_edited_in_the_browser(client, setup):
    rate = _create(setup, valid_from=IN_TWO_MONTHS)
    client.force_login(setup["finance"])

    response = client.get(reverse("billing:rate_update", args=[rate.pk]))
    assert response.status_code == 200
    data = {
        "service_type": setup["care"].pk,
        "time_band": TimeBand.DAY,
        "rate_zone": "",
        "provider_kind": ProviderKind.ALL,
        "unit": RateUnit.PER_HOUR,
        "amount": "470",
        "valid_from": IN_TWO_MONTHS.isoformat(),
    }
    response = client.post(reverse("billing:rate_update", args=[rate.pk]), data)
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.amount == Decimal("470.00")
    assert rate.municipality == setup["tanum"]


def test_rules_pages(client, setup):
    BillingRulesFactory(municipality=setup["tanum"], valid_from=LAST_YEAR, cutoff_day=6)
    client.force_login(setup["finance"])

    response = client.get(reverse("billing:rules"))
    assert response.status_code == 200
    assert response.context["in_force"].cutoff_day == 6

    response = client.get(reverse("billing:rules_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["cutoff_day"].value() == 6  # starts from the rules in force

    data = {
        "municipality": setup["tanum"].pk,
        "valid_from": NEXT_MONTH.isoformat(),
        "day_starts": 7,
        "evening_starts": 18,
        "night_starts": 22,
        "round_evening_night_to": 15,
        "absence_first_day_percent": "75",
        "absence_later_days_percent": "25",
        "absence_paid_days": 5,
        "cap_at_granted": "on",
        "double_staffing_paid_twice": "on",
        "cutoff_day": 5,
        "private_supplement_percent": "1,5",
        "low_performed_percent": "50",
        f"declined_{setup['service'].pk}": "75",
        f"standard_{setup['service'].pk}": "96",
        f"standard_{setup['care'].pk}": "30",  # a standard time without a declined share
    }
    response = client.post(reverse("billing:rules_create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {f"declined_{setup['care'].pk}"}

    data[f"declined_{setup['care'].pk}"] = "50"
    response = client.post(reverse("billing:rules_create"), data)
    assert response.status_code == 302
    rules = BillingRules.objects.get(valid_from=NEXT_MONTH)
    assert rules.private_supplement_percent == Decimal("1.5")
    assert {
        (r.service_type.code, r.declined_percent, r.standard_minutes)
        for r in rules.service_rules.all()
    } == {("hemtjanst-service", Decimal(75), 96), ("hemtjanst-omvardnad", Decimal(50), 30)}

    response = client.get(reverse("billing:rules_detail", args=[rules.pk]))
    assert response.status_code == 200

    response = client.post(reverse("billing:rules_create"), data)  # the same date again
    assert set(response.context["form"].errors) == {"valid_from"}


def test_other_roles_may_not_manage_rates(client, setup):
    client.force_login(setup["assessor"])
    for name in ("billing:rate_list", "billing:rate_create", "billing:rules"):
        assert client.get(reverse(name)).status_code == 403
