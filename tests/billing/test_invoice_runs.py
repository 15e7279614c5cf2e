"""Invoice runs: the arithmetic of each rule, idempotency, a crash mid-way and corrections."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import F, Sum
from django.utils import timezone

from assessments import selectors as assessments_selectors
from billing import engine, engine_pg, services
from billing.constants import DeviationKind, RunStatus, VisitKind
from billing.models import InvoiceBasis, InvoiceLine, InvoiceRun, Rate
from tests.billing.run_factories import MONTH, build_month, order_for, visit
from tests.conftest import skip_or_fail
from tests.factories import ContractFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(db, django_capture_on_commit_callbacks):
    s = build_month()
    s["commit"] = django_capture_on_commit_callbacks
    s["order_a"] = order_for(s, s["performed"], n=1, hours=20)
    a = s["order_a"]
    visit(a, 2, "08:00", 60)  # day
    visit(a, 2, "19:00", 20)  # evening, rounded up to 30
    visit(a, 3, "19:00", 30, staff=2)  # evening, double staffing: 60
    visit(a, 4, "10:00", 40, kind=VisitKind.DECLINED)  # day, 50 %: 20
    visit(a, 7, "10:00", 60)  # Saturday: weekend
    visit(a, 3, "23:00", 10)  # night, paid per visit
    # Granted time, 30 h a month from the 16th: 15 of 30 days.
    s["order_b"] = order_for(s, s["granted"], n=2, hours=30, starts=datetime.date(2026, 11, 16))
    visit(s["order_b"], 17, "09:00", 45)
    return s


def start(s, **kwargs):
    # Tasks are enqueued on commit; here they run eagerly when the callbacks run.
    with s["commit"](execute=True):
        run, created = services.invoice_run_start(
            municipality=s["municipality"], month=MONTH, actor=s["finance"], **kwargs
        )
    run.refresh_from_db()
    return run, created


def totals(run):
    return {
        b.provider.name: (b.amount, b.supplement, b.total, b.to_pay)
        for b in run.bases.select_related("provider")
    }


EXPECTED = {
    "Utförd Omsorg 1435 AB": (
        Decimal("2078.50"),
        Decimal("31.18"),
        Decimal("2109.68"),
        Decimal("2109.68"),
    ),
    "Beviljad Omsorg 1435 AB": (
        Decimal("6750.00"),
        Decimal("101.25"),
        Decimal("6851.25"),
        Decimal("6851.25"),
    ),
}


def test_performed_and_granted_time_exact_to_the_ore(s):
    run, created = start(s)
    assert created and run.status == RunStatus.PRELIMINARY
    assert (run.providers_total, run.providers_done) == (2, 2)
    assert totals(run) == EXPECTED
    assert run.total_amount == Decimal("8960.93")
    performed = run.bases.get(provider=s["performed"])
    lines = {ln.time_band: ln for ln in performed.lines.all()}
    assert {b: (ln.paid_hours, ln.quantity, ln.rate, ln.amount) for b, ln in lines.items()} == {
        "day": (Decimal("1.33"), Decimal("1.33"), Decimal("450.00"), Decimal("598.50")),
        "evening": (Decimal("1.50"), Decimal("1.50"), Decimal("480.00"), Decimal("720.00")),
        "night": (Decimal("0.25"), Decimal("1.00"), Decimal("260.00"), Decimal("260.00")),
        "weekend": (Decimal("1.00"), Decimal("1.00"), Decimal("500.00"), Decimal("500.00")),
    }
    assert "avrundat uppåt till 15 min" in lines["evening"].rule
    assert "dubbelbemanning" in lines["evening"].rule
    assert "avböjda besök 50 %" in lines["day"].rule
    # The order's granted time stands once; performed time is the registered minutes.
    assert performed.granted_hours == Decimal("20.00")
    assert performed.performed_hours == Decimal("3.00")  # 60+20+30+60+10 minutes
    granted = run.bases.get(provider=s["granted"])
    (line,) = granted.lines.all()
    assert (line.granted_hours, line.paid_hours, line.performed_hours) == (
        Decimal("15.00"),
        Decimal("15.00"),
        Decimal("0.75"),
    )
    assert line.rule == "beviljad tid, dagar i månaden"
    # Finance sees a pseudonymous reference, stable across runs.
    assert line.citizen_ref == engine.citizen_reference(s["order_b"].decision.citizen_id)
    assert line.citizen_ref.startswith("K") and "Kund" not in line.citizen_ref


def test_the_same_month_twice_creates_nothing_new(s):
    first, _ = start(s)
    counts = (InvoiceRun.objects.count(), InvoiceBasis.objects.count(), InvoiceLine.objects.count())
    again, created = start(s)
    assert not created and again == first
    assert totals(again) == EXPECTED
    assert counts == (
        InvoiceRun.objects.count(),
        InvoiceBasis.objects.count(),
        InvoiceLine.objects.count(),
    )
    services.invoice_run_approve(run=again, actor=s["finance"])
    third, created = start(s)
    assert not created and third == first and third.status == RunStatus.APPROVED


def test_a_run_killed_mid_way_leaves_nothing_and_a_rerun_equals_a_clean_run(s, monkeypatch):
    real = engine.compute_basis

    def crash_on_second(run, provider):
        real(run, provider)  # writes the basis and lines, then dies before commit
        if provider == s["granted"]:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(engine, "compute_basis", crash_on_second)
    with pytest.raises(RuntimeError):
        start(s)
    run = InvoiceRun.objects.get()
    assert run.status == RunStatus.FAILED and "worker lost" in run.error
    assert not InvoiceBasis.objects.exists() and not InvoiceLine.objects.exists()

    monkeypatch.setattr(engine, "compute_basis", real)
    rerun, created = start(s)
    assert not created and rerun == run and rerun.status == RunStatus.PRELIMINARY
    assert totals(rerun) == EXPECTED
    assert InvoiceLine.objects.count() == 5


def test_a_correction_after_approval_bills_the_difference(s):
    run, _ = start(s)
    with pytest.raises(ValidationError):
        services.invoice_run_correct(run=run, actor=s["finance"])  # not approved yet
    services.invoice_run_approve(run=run, actor=s["finance"])
    visit(s["order_a"], 5, "09:00", 30)  # a forgotten visit: 0.50 h more in the day
    with s["commit"](execute=True):
        correction = services.invoice_run_correct(run=run, actor=s["finance"])
    correction.refresh_from_db()
    assert (correction.version, correction.previous, correction.status) == (
        2,
        run,
        RunStatus.PRELIMINARY,
    )
    performed = correction.bases.get(provider=s["performed"])
    # Day 80 + 30 = 110 min = 1.83 h × 450 = 823.50 (was 598.50): +225.00, +3.38 supplement.
    assert performed.previous_total == Decimal("2109.68")
    assert performed.total == Decimal("2338.05")
    assert performed.to_pay == Decimal("228.37")
    assert correction.bases.get(provider=s["granted"]).to_pay == Decimal("0.00")
    assert correction.total_amount == Decimal("228.37")
    # What was approved is untouched.
    assert totals(InvoiceRun.objects.get(pk=run.pk)) == EXPECTED


def test_a_recomputed_run_reads_the_rates_again(s):
    # A worker keeps a run's rates while it computes the run's providers; a recompute is a
    # new start and must see rates corrected meanwhile (here: every rate one krona more).
    run, _ = start(s)
    before = run.bases.get(provider=s["performed"])
    Rate.objects.filter(municipality=s["municipality"]).update(amount=F("amount") + 1)
    with s["commit"](execute=True):
        services.invoice_run_recompute(run=run, actor=s["finance"])
    after = InvoiceRun.objects.get(pk=run.pk).bases.get(provider=s["performed"])
    quantity = after.lines.aggregate(q=Sum("quantity"))["q"]
    assert quantity > 0
    assert after.amount == before.amount + quantity


def test_the_runs_statements_are_prepared_once_and_again_on_a_new_server_connection(s):
    if connection.vendor != "postgresql":
        skip_or_fail("prepared statements are PostgreSQL's")
    names = [engine_pg.PRICE_LINES.name, assessments_selectors._ORDER_ROWS.name]

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE name = ANY(%s)", [names]
            )
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    run, _ = start(s)
    assert prepared() == 2
    assert totals(run) == EXPECTED
    # As a pooler's fresh server connection would be: nothing prepared. The next run
    # prepares it again and computes the same.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with s["commit"](execute=True):
        services.invoice_run_recompute(run=run, actor=s["finance"])
    assert prepared() == 2
    assert totals(InvoiceRun.objects.get(pk=run.pk)) == EXPECTED


def test_absence_days_in_a_row_are_paid_75_then_25_percent_for_five_days(s):
    order = order_for(s, s["performed"], n=3, hours=40)
    for day in range(9, 15):  # Monday 9 to Saturday 14: six days in a row
        visit(order, day, "09:00", 60, kind=VisitKind.ABSENCE)
    run, _ = start(s)
    lines = run.bases.get(provider=s["performed"]).lines.filter(order=order)
    paid = {ln.time_band: ln.paid_hours for ln in lines}
    # Weekday days 1–5: 45 + 15 × 4 = 105 min; the sixth day (a Saturday) is not paid.
    assert paid == {"day": Decimal("1.75"), "weekend": Decimal("0.00")}


def test_time_over_the_granted_is_paid_only_when_approved(s):
    order = order_for(s, s["performed"], n=4, hours=2)
    visit(order, 10, "09:00", 90)
    visit(order, 11, "09:00", 90)
    run, _ = start(s)
    basis = run.bases.get(provider=s["performed"])
    (line,) = basis.lines.filter(order=order)
    assert line.paid_hours == Decimal("2.00") and "begränsad till beviljad tid" in line.rule
    assert basis.deviations.filter(kind=DeviationKind.OVER_GRANTED).count() == 1

    order2 = order_for(s, s["performed"], n=5, hours=2)
    visit(order2, 10, "09:00", 90)
    visit(order2, 11, "09:00", 90, approved_over_granted=True)
    with s["commit"](execute=True):
        services.invoice_run_recompute(run=run, actor=s["finance"])
    (line2,) = run.bases.get(provider=s["performed"]).lines.filter(order=order2)
    # 1.5 h capped to the granted 2 h would not bite; the approved 1.5 h comes on top.
    assert line2.paid_hours == Decimal("3.00")


def test_visits_registered_after_the_cut_off_are_not_paid(s):
    order = order_for(s, s["performed"], n=6, hours=10)
    late = timezone.make_aware(datetime.datetime(2026, 12, 6, 8, 0))
    visit(order, 12, "09:00", 60, registered_at=late)
    visit(order, 13, "09:00", 60)
    run, _ = start(s)
    basis = run.bases.get(provider=s["performed"])
    (line,) = basis.lines.filter(order=order)
    assert line.paid_hours == Decimal("1.00")
    (deviation,) = basis.deviations.filter(kind=DeviationKind.AFTER_CUTOFF)
    assert deviation.visits == 1


def test_visits_outside_the_orders_period_are_not_paid_and_shown(s):
    visit(s["order_b"], 10, "09:00", 60)  # the order starts on the 16th
    visit(s["order_b"], 11, "09:00", 60)
    run, _ = start(s)
    basis = run.bases.get(provider=s["granted"])
    (deviation,) = basis.deviations.filter(kind=DeviationKind.NO_ORDER)
    assert deviation.visits == 2
    (line,) = basis.lines.all()
    assert line.performed_hours == Decimal("0.75")  # only the visit of the 17th counts


def test_a_provider_with_visits_but_no_order_in_the_month_gets_a_basis_showing_them(s):
    # Its only order ended the month before: the run finds it by its visits alone.
    ended = ProviderFactory(name="Slutad Omsorg AB")
    ContractFactory(
        provider=ended,
        municipality=s["municipality"],
        service_types=[s["care"]],
        areas=[s["area"]],
        request=s["contracts"][s["performed"]].request,
    )
    order = order_for(
        s, ended, n=7, starts=datetime.date(2026, 10, 1), ends=datetime.date(2026, 10, 31)
    )
    visit(order, 3, "09:00", 60)
    visit(order, 4, "09:00", 30)
    run, _ = start(s)
    assert run.providers_total == 3
    basis = run.bases.get(provider=ended)
    (deviation,) = basis.deviations.filter(kind=DeviationKind.NO_ORDER)
    assert deviation.visits == 2
    assert basis.total == 0


def test_a_future_month_cannot_be_run(s):
    with pytest.raises(ValidationError):
        services.invoice_run_start(
            municipality=s["municipality"],
            month=timezone.localdate().replace(day=1) + datetime.timedelta(days=40),
            actor=s["finance"],
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_parallel_starts_of_one_month_make_one_run():
    """Real concurrent transactions on PostgreSQL: the municipality's row lock and the one-open-
    run constraint let exactly one start create the run; the others get that run back."""
    if connection.vendor != "postgresql":
        skip_or_fail("row locks need PostgreSQL")
    s = build_month()
    order = order_for(s, s["performed"], n=1, hours=20)
    visit(order, 2, "08:00", 60)
    barrier = threading.Barrier(8)
    results = []

    def begin():
        try:
            barrier.wait()
            run, created = services.invoice_run_start(
                municipality=s["municipality"], month=MONTH, actor=s["finance"]
            )
            results.append((run.pk, created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=begin) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert sum(created for _pk, created in results) == 1
    assert len({pk for pk, _created in results}) == 1
    run = InvoiceRun.objects.get()
    assert run.status == RunStatus.PRELIMINARY
    assert run.bases.get().total == Decimal("456.75")  # 1 h × 450 + 1.5 %


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_finish_their_bases_side_by_side(monkeypatch):
    """Real concurrent transactions on PostgreSQL: two workers whose bases both hold the key
    share their lines' checks take on the run then both lock the run's row to count
    themselves; the lock leaves the key alone, so neither waits for the other (a full row
    lock here deadlocked)."""
    if connection.vendor != "postgresql":
        skip_or_fail("row locks need PostgreSQL")
    s = build_month()
    visit(order_for(s, s["performed"], n=1, hours=20), 2, "08:00", 60)
    visit(order_for(s, s["granted"], n=2, hours=30), 3, "09:00", 45)
    monkeypatch.setattr(services, "_enqueue", lambda run, provider_ids: None)
    run, _created = services.invoice_run_start(
        municipality=s["municipality"], month=MONTH, actor=s["finance"]
    )
    real = engine.compute_basis
    barrier = threading.Barrier(2, timeout=30)

    def compute_then_meet(run, provider):
        basis = real(run, provider)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the key share on the run, now
        barrier.wait()  # both hold it before either locks the run's row
        return basis

    monkeypatch.setattr(engine, "compute_basis", compute_then_meet)
    errors = []

    def work(provider):
        try:
            services.invoice_basis_compute(run_id=run.pk, provider_id=provider.pk)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(s[p],)) for p in ("performed", "granted")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    run.refresh_from_db()
    assert (run.status, run.providers_done) == (RunStatus.PRELIMINARY, 2)
    assert totals(run) == {
        "Utförd Omsorg 1435 AB": (
            Decimal("450.00"),
            Decimal("6.75"),
            Decimal("456.75"),
            Decimal("456.75"),
        ),
        "Beviljad Omsorg 1435 AB": (
            Decimal("13500.00"),
            Decimal("202.50"),
            Decimal("13702.50"),
            Decimal("13702.50"),
        ),
    }


def test_the_engines_bases_make_valid_documents_including_a_credit_correction(s):
    """The documents are built from what the engine computed: a Peppol invoice that passes the
    UBL 2.1 schema and the rules, a credit note for a correction that pays back, a PDF and an
    SIE file that balance."""
    from lxml import etree
    from peppol.rules import check_rules
    from peppol.xsd import validate_xsd

    from billing.documents import basis_csv, basis_pdf, basis_ubl, run_sie

    s["municipality"].street_address = "Skolgatan 2"
    s["municipality"].postal_code = "45781"
    s["municipality"].city = "Tanumshede"
    s["municipality"].save()
    run, _ = start(s)
    services.invoice_run_approve(run=run, actor=s["finance"])
    for basis in run.bases.all():
        xml = basis_ubl(basis)
        valid, errors = validate_xsd(xml)
        assert valid, errors
        assert not [f for f in check_rules(xml) if f.severity == "fatal"]
        assert basis_pdf(basis).startswith(b"%PDF")
        assert basis.number in basis_csv(basis)
    sie = run_sie(run).decode("cp437")
    assert "#SIETYP 4" in sie and "1435-202611" in sie

    # A visit registered in error is removed: the correction credits the difference.
    s["order_a"].visits.filter(time_band="weekend").delete()
    with s["commit"](execute=True):
        correction = services.invoice_run_correct(run=run, actor=s["finance"])
    credit = correction.bases.get(provider=s["performed"])
    assert credit.to_pay == Decimal("-507.50")  # 500.00 + 1.5 %
    xml = basis_ubl(credit)
    assert etree.QName(etree.fromstring(xml)).localname == "CreditNote"
    valid, errors = validate_xsd(xml)
    assert valid, errors
    assert not [f for f in check_rules(xml) if f.severity == "fatal"]
