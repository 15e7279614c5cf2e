"""Benchmark: the monthly invoice run against one raw SQL aggregate on the same rows.

Generates the largest realistic municipality month into PostgreSQL (docs: domain "Sizing"):
at scale 1, 25,000 citizens, 200 providers (1 in-house, 199 private), long-tailed granted
hours (a third under 10 h a month, 12 % over 80 h) and about 1.5 million visits. Then, in the
same process on the same rows:

  a. the real invoice run (`billing.services.invoice_run_start`), wall clock from the start
     until the run is preliminary: by default as in production, its per-provider tasks sent
     through Redis to Celery worker processes, one per core (`--workers N`; `--workers 0`
     runs them eagerly, one after the other, in this process);
  b. one raw SQL statement computing the same per-provider totals (paid hours, amount, VAT
     compensation) with the same rules, wall clock (best of two: one before, one after the run);

and checks that every provider's totals agree (exit 1 if any differ). It also measures visit
import throughput, the PDF time for all providers and peak memory; `--floor` also times what
no per-provider design gets below (the run's lines inserted and checked again, rolled back,
and one grouping of every visit).

    .venv/bin/python -m bench.invoice_run [--scale 1.0] [--fresh] [--profile] [--workers N]
        [--floor]

Prints `invoice_run_vs_raw_sql: <ratio>` last. Target: at most 5. Uses its own database
(BENCH_INVOICE_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/lov_portal_bench_invoice);
a database already generated at the same scale is reused (`--fresh` generates it again).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import math
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lov_portal_bench_invoice"
# A Redis database of the bench's own: emptied before the run, so nothing else's tasks mix in.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

MONTH = datetime.date(2026, 9, 1)  # a whole month with no DST change and no public holiday
MUNICIPALITY_CODE = "0180"
CITIZENS = 25_000
PROVIDERS = 200
VISITS = 1_500_000
IMPORT_SAMPLE = 50_000
# Generated paid time stays below this share of the granted time, so the engine's
# cap-at-granted rule never applies and the raw aggregate need not know it.
GRANTED_MARGIN = 0.97

# (code, name, category, declined %)
SERVICES = [
    ("hemtjanst-service", "Hemtjänst – service", "home_help", Decimal(55)),
    ("hemtjanst-omvardnad", "Hemtjänst – omvårdnad", "home_help", Decimal(50)),
]
# SEK per hour valid in the month: personal care differs in-house / private, service has one
# rate for all providers. Last year's rates exist too (valid_to in 2025) and must not be used.
RATES = {
    "hemtjanst-omvardnad": {
        "in_house": {"day": "485.00", "evening": "532.50", "night": "601.25", "weekend": "548.90"},
        "private": {"day": "516.00", "evening": "566.75", "night": "640.10", "weekend": "583.35"},
    },
    "hemtjanst-service": {
        "all": {"day": "382.00", "evening": "420.20", "night": "470.45", "weekend": "433.15"},
    },
}


def database_url() -> str:
    return os.environ.get("BENCH_INVOICE_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url(), socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def env(*, workers: int = 0) -> dict[str, str]:
    """Production-like Django (DEBUG off, so queries are not kept) on the bench database.
    With workers, Celery sends tasks through the bench's Redis database; without, there is no
    REDIS_URL and tasks run eagerly in this process."""
    values = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lov_portal.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        # As production keeps them (the development settings close them each time).
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    values.pop("REDIS_URL", None)
    if workers:
        values["REDIS_URL"] = redis_url()
    return values


def _admin_connection():
    import psycopg2

    parts = urlsplit(database_url())
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to use {name!r}: a bench database name contains 'bench'.")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    return admin, name


def prepare_database(*, fresh: bool) -> None:
    """Create (or with `fresh` drop and create) the database, and migrate it."""
    admin, name = _admin_connection()
    with admin.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env(),
        check=True,
    )


def setup_django(*, workers: int = 0) -> None:
    os.environ.update(env(workers=workers))
    if not workers:
        os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    # Eager tasks log a line each; keep the output to the measurements.
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # the in-memory broker


# --- Marker: which scale the database holds ---------------------------------------------------


def generated_scale() -> float | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_invoice_marker "
            "(scale double precision NOT NULL, visits integer NOT NULL, "
            "seconds double precision NOT NULL, generated_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("SELECT scale FROM bench_invoice_marker ORDER BY generated_at DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else None


def municipality_exists() -> bool:
    from lov_portal.core.models import Municipality

    return Municipality.objects.filter(code=MUNICIPALITY_CODE).exists()


def mark_generated(scale: float, visits: int, seconds: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_invoice_marker")
        cursor.execute(
            "INSERT INTO bench_invoice_marker (scale, visits, seconds) VALUES (%s, %s, %s)",
            [scale, visits, seconds],
        )


# --- Generation ------------------------------------------------------------------------------


def identity_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct valid personnummer (12 digits), born 1925–1960."""
    from stdnum import luhn

    first = datetime.date(1925, 1, 1)
    days = (datetime.date(1960, 12, 31) - first).days + 1
    numbers = []
    for value in rng.sample(range(days * 999), count):
        born = first + datetime.timedelta(days=value // 999)
        serial = f"{value % 999 + 1:03d}"
        ten = f"{born:%y%m%d}{serial}"
        numbers.append(f"{born:%Y%m%d}{serial}{luhn.calc_check_digit(ten)}")
    return numbers


def organisation_number(base9: str) -> str:
    from stdnum import luhn

    return f"{base9[:6]}-{base9[6:]}{luhn.calc_check_digit(base9)}"


def granted_hours(rng: random.Random) -> float:
    """Long-tailed hours a month: a third under 10, 12 % over 80, log-uniform between."""
    u = rng.random()
    if u < 1 / 3:
        hours = rng.uniform(1.5, 9.5)
    elif u < 0.88:
        hours = 10 * 8 ** (rng.random() ** 1.3)
    else:
        hours = min(80.5 + rng.expovariate(1 / 25), 200)
    return round(hours * 2) / 2


def generate(scale: float, rng: random.Random) -> int:
    """Fill the database with the month. Returns the number of visits."""
    from django.db import connection, transaction

    from assessments.models import Choice, Citizen, Decision, GrantedService, Order
    from billing.models import BillingRules, Rate, ServiceRule
    from lov_portal.accounts.constants import Role
    from lov_portal.accounts.models import RoleAssignment, User
    from lov_portal.core.models import Area, Municipality, ServiceType
    from providers.models import Contract, Provider, RequestForApplications, RequestVersion

    started = time.perf_counter()
    citizens_n = max(1, round(CITIZENS * scale))
    providers_n = max(5, round(PROVIDERS * scale))
    visits_target = round(VISITS * scale)

    with transaction.atomic():
        municipality = Municipality.objects.create(
            code=MUNICIPALITY_CODE,
            name="Bänkstad",
            organisation_name="Bänkstads kommun",
            organisation_number="212000-0142",
            street_address="Stadshuset",
            postal_code="11122",
            city="Bänkstad",
        )
        zones = ["urban", "suburban", "rural", "sparse", "islands"]
        areas = Area.objects.bulk_create(
            [
                Area(municipality=municipality, name=f"Område {n + 1}", rate_zone=zones[n % 5])
                for n in range(8)
            ]
        )
        services = {}
        for n, (code, name, category, _declined) in enumerate(SERVICES):
            services[code], _ = ServiceType.objects.get_or_create(
                code=code, defaults={"name": name, "category": category, "ordering": n}
            )
        rules = BillingRules.objects.create(
            municipality=municipality, valid_from=datetime.date(2025, 1, 1)
        )
        ServiceRule.objects.bulk_create(
            [
                ServiceRule(rules=rules, service_type=services[code], declined_percent=declined)
                for code, _name, _category, declined in SERVICES
            ]
        )
        rates = []
        for code, kinds in RATES.items():
            for kind, bands in kinds.items():
                for band, amount in bands.items():
                    common = {
                        "municipality": municipality,
                        "service_type": services[code],
                        "time_band": band,
                        "provider_kind": kind,
                        "unit": "per_hour",
                    }
                    rates.append(
                        Rate(
                            **common,
                            amount=Decimal(amount) - Decimal("11.11"),
                            valid_from=datetime.date(2025, 1, 1),
                            valid_to=datetime.date(2025, 12, 31),
                        )
                    )
                    rates.append(
                        Rate(**common, amount=Decimal(amount), valid_from=datetime.date(2026, 1, 1))
                    )
        Rate.objects.bulk_create(rates)
        request = RequestForApplications.objects.create(
            reference="BANK-HT-2026", owner_municipality=municipality, status="published"
        )
        version = RequestVersion.objects.create(
            request=request,
            number=1,
            status="published",
            title="Hemtjänst i Bänkstad",
            payment_basis="performed_time",
        )
        version.service_types.set(services.values())
        providers = [
            Provider(
                name="Bänkstads hemtjänst",
                organisation_number=organisation_number("212000014"),
                legal_form="municipality",
                is_in_house=True,
                in_house_municipality=municipality,
            )
        ] + [
            Provider(
                name=f"Bänkens Omsorg {n:03d} AB",
                organisation_number=organisation_number(f"559{n:06d}"),
                legal_form="limited_company",
                has_f_tax=True,
            )
            for n in range(1, providers_n)
        ]
        providers = Provider.objects.bulk_create(providers)
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    provider=p,
                    municipality=municipality,
                    request=None if p.is_in_house else request,
                    valid_from=datetime.date(2026, 1, 1),
                )
                for p in providers
            ]
        )
        Contract.service_types.through.objects.bulk_create(
            [
                Contract.service_types.through(contract_id=c.pk, servicetype_id=s.pk)
                for c in contracts
                for s in services.values()
            ]
        )
        actor = User.objects.create_user(
            email="ekonomi@bankstad.example", full_name="Bänk Ekonom", password=None
        )
        RoleAssignment.objects.create(
            user=actor, role=Role.FINANCE_OFFICER, municipality=municipality
        )

        # Citizens, one decision each, one or two services, each ordered from one provider.
        # The in-house provider has a quarter of the citizens; privates a long tail.
        weights = [0.25 * sum(1 / (r**0.8) for r in range(1, providers_n)) / 0.75] + [
            1 / (r**0.8) for r in range(1, providers_n)
        ]
        numbers = identity_numbers(rng, citizens_n)
        citizens = Citizen.objects.bulk_create(
            [
                Citizen(
                    identity_number=numbers[n],
                    municipality=municipality,
                    first_name=rng.choice(["Anna", "Karl", "Märta", "Åke", "Sigrid", "Östen"]),
                    last_name=f"Bänksson {n}",
                    area=rng.choice(areas),
                )
                for n in range(citizens_n)
            ],
            batch_size=5000,
        )
        decided = [
            datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(200))
            for _c in citizens
        ]
        decisions = Decision.objects.bulk_create(
            [
                Decision(citizen=c, status="decided", decision_date=day, valid_from=day)
                for c, day in zip(citizens, decided, strict=True)
            ],
            batch_size=5000,
        )
        plan = []  # (decision, service code, hours, provider index)
        for decision in decisions:
            hours = granted_hours(rng)
            provider = rng.choices(range(providers_n), weights)[0]
            if hours < 10:
                plan.append((decision, "hemtjanst-service", hours, provider))
            else:
                care = round(hours * 0.7 * 2) / 2
                plan.append((decision, "hemtjanst-omvardnad", care, provider))
                plan.append((decision, "hemtjanst-service", hours - care, provider))
        GrantedService.objects.bulk_create(
            [
                GrantedService(
                    decision=d, service_type=services[code], granted_hours=Decimal(str(hours))
                )
                for d, code, hours, _p in plan
            ],
            batch_size=5000,
        )
        choices = Choice.objects.bulk_create(
            [
                Choice(
                    decision=d,
                    service_type=services[code],
                    provider=providers[p],
                    chosen_on=d.decision_date,
                )
                for d, code, _hours, p in plan
            ],
            batch_size=5000,
        )
        orders = Order.objects.bulk_create(
            [
                Order(
                    choice=choice,
                    decision=d,
                    service_type=services[code],
                    provider=providers[p],
                    contract=contracts[p],
                    granted_hours=Decimal(str(hours)),
                    unit="hours_per_month",
                    status="confirmed",
                    requested_start=d.decision_date,
                    starts_on=d.decision_date + datetime.timedelta(days=rng.randrange(10)),
                )
                for choice, (d, code, hours, p) in zip(choices, plan, strict=True)
            ],
            batch_size=5000,
        )

    print(f"  citizens, decisions and orders: {time.perf_counter() - started:.1f} s", flush=True)
    visits = generate_visits(
        rng,
        rules=rules,
        municipality_id=municipality.pk,
        plan=[
            (order.pk, providers[p].pk, d.citizen_id, hours)
            for order, (d, _code, hours, p) in zip(orders, plan, strict=True)
        ],
        visits_target=visits_target,
    )
    print(f"  {visits} visits copied: {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return visits


def generate_visits(rng, *, rules, municipality_id, plan, visits_target) -> int:
    """Visits of the month by PostgreSQL COPY: per order, a number of visits proportional to
    its granted hours, never overlapping for one citizen, paid time below the granted."""
    from django.db import connection
    from django.utils import timezone

    from billing.rules import month_bounds, time_band

    first, last = month_bounds(MONTH)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    stockholm = timezone.get_default_timezone()
    # The band of every (day, hour), decided by the application's own rule.
    band_of = {}
    prefix = {}
    offset = {}
    for d_index, day in enumerate(days):
        for hour in range(24):
            local = datetime.datetime.combine(day, datetime.time(hour), tzinfo=stockholm)
            band_of[d_index, hour] = str(time_band(local, rules))
            prefix[d_index, hour] = f"{day:%Y-%m-%d} {hour:02d}:"
            delta = local.utcoffset()
            offset[d_index, hour] = f"+{delta.seconds // 3600:02d}:{delta.seconds // 60 % 60:02d}"
    weekends = [i for i in range(len(days)) if band_of[i, 12] == "weekend"]
    weekdays = [i for i in range(len(days)) if band_of[i, 12] != "weekend"]
    # Start windows in minutes of the day (start, latest end): visits never cross a band edge.
    windows = {
        "day": (420, 1080),
        "evening": (1080, 1320),
        "night": (0, 420),
        "weekend": (420, 1320),
    }
    now = timezone.now().isoformat()

    total_hours = sum(hours for *_rest, hours in plan)
    per_hour = visits_target / total_hours
    columns = (
        "provider_id, external_id, order_reference, order_id, municipality_id, date, starts_at, "
        "ends_at, minutes, staff_count, kind, time_band, flags, approved_over_granted, "
        "import_batch_id, registered_at, updated_at"
    )
    copy_sql = f"COPY billing_visit ({columns}) FROM STDIN"
    buffer = io.StringIO()
    written = 0
    chunk = 0

    def stamp(d_index: int, minute: int) -> str:
        hour, mm = divmod(minute, 60)
        return f"{prefix[d_index, hour]}{mm:02d}:00{offset[d_index, hour]}"

    def flush():
        nonlocal buffer, chunk
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(copy_sql, buffer)
        buffer = io.StringIO()
        chunk = 0

    # The bench database is ours and the rows are consistent by construction: skip the
    # foreign key triggers while loading (superuser only; the setting is per session).
    # Indexes are built faster once than row by row: drop the plain ones (not the primary key
    # nor the unique constraint) and create them again, as they were, after the load.
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = 'billing_visit' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    random_ = rng.random
    step = rules.round_evening_night_to
    rounded = ("evening", "night")
    randint = rng.randint
    last_index = len(days) - 1
    current_citizen = None
    occupied: dict[tuple[int, str], int] = {}
    for order_id, provider_id, citizen_id, hours in plan:
        if citizen_id != current_citizen:
            current_citizen, occupied = citizen_id, {}
        expected = hours * per_hour
        count = int(expected) + (random_() < expected - int(expected))
        if not count:
            continue
        granted_minutes = hours * 60
        budget = granted_minutes * min(0.95, max(0.6, rng.gauss(0.89, 0.06)))
        mean = budget / count
        cap = granted_minutes * GRANTED_MARGIN
        paid = 0
        for n in range(count):
            minutes = max(5, int(mean * (0.6 + 0.8 * random_())))
            r = random_()
            band = (
                "weekend" if r < 0.08 else "evening" if r < 0.18 else "night" if r < 0.23 else "day"
            )
            staff = 2 if random_() < 0.01 else 1
            kind = "declined" if random_() < 0.03 else "performed"
            pool = weekends if band == "weekend" else weekdays
            d_index = pool[randint(0, len(pool) - 1)]
            lowest, latest_end = windows[band]
            for _attempt in range(len(pool)):
                start = occupied.get((d_index, band), lowest) + randint(5, 20)
                if start + minutes <= latest_end:
                    break
                d_index = pool[(pool.index(d_index) + 1) % len(pool)]
            else:
                continue
            actual = band_of[d_index, start // 60]
            cost = math.ceil(minutes / step) * step if step and actual in rounded else minutes
            cost *= staff
            if paid + cost > cap:
                continue
            occupied[d_index, band] = start + minutes
            paid += cost
            registered = min(d_index + randint(0, 2), last_index)
            buffer.write(
                f"{provider_id}\tV{order_id}-{n}\tB{order_id}\t{order_id}\t{municipality_id}\t"
                f"{days[d_index]:%Y-%m-%d}\t{stamp(d_index, start)}\t"
                f"{stamp(d_index, start + minutes)}\t{minutes}\t{staff}\t{kind}\t"
                f"{actual}\t[]\tf\t\\N\t{stamp(registered, 1410)}\t{now}\n"
            )
            written += 1
            chunk += 1
            if chunk >= 100_000:
                flush()
    flush()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cursor.execute(definition)
    return written


# --- Measurements ----------------------------------------------------------------------------

RAW_SQL = """
WITH params AS (
    SELECT r.id AS rules_id, r.round_evening_night_to AS step,
           r.private_supplement_percent AS supplement
    FROM billing_billingrules r
    WHERE r.municipality_id = %(municipality)s AND r.valid_from <= %(first)s
    ORDER BY r.valid_from DESC
    LIMIT 1
),
rates AS MATERIALIZED (
    SELECT rate.service_type_id, rate.time_band, rate.provider_kind, rate.amount
    FROM billing_rate rate
    WHERE rate.municipality_id = %(municipality)s
        AND rate.rate_zone = ''
        AND rate.unit = 'per_hour'
        AND rate.valid_from <= %(first)s
        AND (rate.valid_to IS NULL OR rate.valid_to >= %(first)s)
),
visit_time AS (
    SELECT v.order_id, v.provider_id, v.time_band,
           SUM(
               CASE WHEN v.time_band IN ('evening', 'night') AND (SELECT step FROM params) > 0
                    THEN (v.minutes + (SELECT step FROM params) - 1)
                         / (SELECT step FROM params) * (SELECT step FROM params)
                    ELSE v.minutes END
               * v.staff_count
           ) FILTER (WHERE v.kind <> 'declined') AS performed,
           SUM(
               CASE WHEN v.time_band IN ('evening', 'night') AND (SELECT step FROM params) > 0
                    THEN (v.minutes + (SELECT step FROM params) - 1)
                         / (SELECT step FROM params) * (SELECT step FROM params)
                    ELSE v.minutes END
               * v.staff_count
           ) FILTER (WHERE v.kind = 'declined') AS declined
    FROM billing_visit v
    WHERE v.municipality_id = %(municipality)s AND v.date BETWEEN %(first)s AND %(last)s
    GROUP BY v.order_id, v.provider_id, v.time_band
),
band_time AS (
    SELECT t.provider_id, t.time_band, o.service_type_id,
           COALESCE(t.performed, 0)
           + COALESCE(t.declined, 0) * COALESCE(sr.declined_percent, 50) / 100 AS minutes
    FROM visit_time t
    JOIN assessments_order o ON o.id = t.order_id
    LEFT JOIN billing_servicerule sr
        ON sr.rules_id = (SELECT rules_id FROM params) AND sr.service_type_id = o.service_type_id
),
lines AS (
    -- The rate for the provider's kind wins over the rate for all providers.
    SELECT b.provider_id, p.is_in_house, round(b.minutes / 60, 2) AS hours,
           round(round(b.minutes / 60, 2) * COALESCE(own.amount, every.amount), 2) AS amount
    FROM band_time b
    JOIN providers_provider p ON p.id = b.provider_id
    LEFT JOIN rates own
        ON own.service_type_id = b.service_type_id
        AND own.time_band = b.time_band
        AND own.provider_kind = CASE WHEN p.is_in_house THEN 'in_house' ELSE 'private' END
    LEFT JOIN rates every
        ON every.service_type_id = b.service_type_id
        AND every.time_band = b.time_band
        AND every.provider_kind = 'all'
)
SELECT provider_id, SUM(hours), SUM(amount),
       CASE WHEN bool_or(is_in_house) THEN 0
            ELSE round(SUM(amount) * (SELECT supplement FROM params) / 100, 2) END
FROM lines
GROUP BY provider_id
"""


def vacuum_visits() -> None:
    """What autovacuum does in production between a month's imports and its run (days after the
    cut-off): the import sample's dead rows cleaned and the visibility map current, so the run
    reads a provider's month from the covering index alone. Not timed, before both sides."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) billing_visit")


def raw_totals(municipality_id: int) -> tuple[dict[int, tuple], float]:
    """Per provider (paid hours, amount, supplement, total) from one SQL statement, and its
    seconds."""
    from django.db import connection

    from billing.rules import month_bounds

    first, last = month_bounds(MONTH)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, {"municipality": municipality_id, "first": first, "last": last})
        rows = cursor.fetchall()
    seconds = time.perf_counter() - started
    return {
        pid: (hours, amount, extra, amount + extra) for pid, hours, amount, extra in rows
    }, seconds


def delete_runs(municipality) -> None:
    from billing.models import InvoiceRun

    runs = InvoiceRun.objects.filter(municipality=municipality, month=MONTH)
    # A correction protects the version it corrects: the latest first.
    for run in runs.order_by("-version"):
        run.delete()
    # What autovacuum does after a delete (not timed): without it, each bench run on a
    # machine with autovacuum off (this one's CI database) leaves the last run's 135,000 dead
    # lines in the table and its indexes, and the next run writes and checks through them.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) billing_invoiceline, billing_invoicebasis, billing_deviation,"
            " billing_invoicerun, billing_invoicerunstatuschange"
        )


class Workers:
    """`count` Celery worker processes (prefork, prefetch 1, acks late: the production
    settings) on the bench's Redis database, started before the timing and ready."""

    LOG = ROOT / "var" / "bench-invoice-workers.log"

    def __init__(self, count: int):
        self.count = count
        self.process = None
        self.peak_mb = 0.0

    def __enter__(self):
        import redis

        redis.Redis.from_url(redis_url()).flushdb()
        self.LOG.parent.mkdir(exist_ok=True)
        self._log = self.LOG.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lov_portal",
                "worker",
                f"--concurrency={self.count}",
                "--pool=prefork",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env(workers=self.count),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        from lov_portal.celery import ping

        # The pool answers before the timing starts (a few pings each, so its processes are up).
        results = [ping.delay() for _ in range(self.count * 4)]
        for result in results:
            if result.get(timeout=120) != "pong":
                raise SystemExit(f"The Celery workers did not answer: see {self.LOG}.")
        return self

    def _peak_mb(self) -> float:
        """The largest peak resident memory of the worker's processes (Linux /proc)."""
        peak = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            if self.process.pid in (int(fields.get("Pid", 0)), int(fields.get("PPid", 0))):
                peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
        return peak / 1024

    def __exit__(self, *exc):
        self.peak_mb = self._peak_mb()
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _wait_for(run, *, timeout: float = 900) -> None:
    """Until the run's workers have computed every provider (or failed it)."""
    from django.db import connection

    # A plain query every 20 ms: the ORM's refresh_from_db took a few per cent of the two
    # cores the workers need.
    deadline = time.perf_counter() + timeout
    with connection.cursor() as cursor:
        while time.perf_counter() < deadline:
            cursor.execute("SELECT status FROM billing_invoicerun WHERE id = %s", [run.pk])
            if cursor.fetchone()[0] != "running":
                break
            time.sleep(0.02)
    run.refresh_from_db(fields=["status"])


def invoice_run(municipality, actor, *, profile: bool):
    """The real run, timed until it is preliminary; returns (run, seconds)."""
    from billing.services import invoice_run_start

    delete_runs(municipality)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    run, _created = invoice_run_start(municipality=municipality, month=MONTH, actor=actor)
    _wait_for(run)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue())
    return run, seconds


def compare(run, raw: dict[int, tuple]) -> int:
    """The number of providers whose totals differ between the run and the raw aggregate."""
    zero = (Decimal(0),) * 4
    engine = {
        b.provider_id: (b.paid_hours, b.amount, b.supplement, b.total) for b in run.bases.all()
    }
    differing = 0
    for provider_id in sorted(set(engine) | set(raw)):
        ours, theirs = engine.get(provider_id, zero), raw.get(provider_id, zero)
        if tuple(map(Decimal, ours)) != tuple(map(Decimal, theirs)):
            differing += 1
            if differing <= 5:
                print(f"  provider {provider_id}: run {ours} raw SQL {theirs}")
    return differing


def delete_import_sample(provider_ids) -> None:
    from billing.models import Visit, VisitImport

    Visit.objects.filter(provider_id__in=provider_ids, external_id__startswith="IMP-").delete()
    VisitImport.objects.filter(provider_id__in=provider_ids).delete()


def import_throughput(municipality, rng: random.Random) -> str:
    """Visits a second through the import service (one delivery of IMPORT_SAMPLE rows, as
    the API sends them) on fresh visit ids of the largest provider; the sample is deleted
    afterwards so the run sees the generated month only."""
    from django.db.models import Count

    from assessments.models import Order
    from billing.rules import month_bounds
    from billing.services import visit_import_rows
    from providers.models import Provider

    provider = Provider.objects.get(
        pk=Order.objects.filter(decision__citizen__municipality=municipality)
        .values("provider_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]["provider_id"]
    )
    orders = list(Order.objects.filter(provider=provider).values_list("pk", flat=True))
    first, last = month_bounds(MONTH)
    rows = []
    for n in range(IMPORT_SAMPLE):
        start = rng.randrange(7 * 60, 21 * 60)
        end = start + rng.randint(15, 60)
        rows.append(
            {
                "visit_id": f"IMP-{n}",
                "order": f"B{rng.choice(orders)}",
                "date": f"{first + datetime.timedelta(days=rng.randrange(last.day)):%Y-%m-%d}",
                "start": f"{start // 60:02d}:{start % 60:02d}",
                "end": f"{end // 60:02d}:{end % 60:02d}",
                "staff": 1,
                "kind": "performed",
            }
        )
    delete_import_sample([provider.pk])
    started = time.perf_counter()
    try:
        result = visit_import_rows(provider=provider, rows=rows, source="api", actor=None)
    except Exception as exc:  # the benchmark goes on to the run
        delete_import_sample([provider.pk])
        return f"import: failed ({type(exc).__name__}: {exc})"
    seconds = time.perf_counter() - started
    created = result.created
    delete_import_sample([provider.pk])
    if not result.accepted:
        return f"import: rejected in {seconds:.1f} s, first errors {result.errors[:2]}"
    return (
        f"import: {IMPORT_SAMPLE / seconds:,.0f} rows/s "
        f"({IMPORT_SAMPLE} rows in {seconds:.1f} s, {created} new visits)"
    )


def floor(run) -> str:
    """What no per-provider design gets below on this machine: the run's lines inserted again
    (the table's indexes and the check of their basis included), in a transaction that is
    rolled back, and one grouping of every visit of the month by provider, order and band
    (PostgreSQL may run it in parallel, as the raw aggregate). Not part of the ratio."""
    from django.db import connection, transaction

    from billing.rules import month_bounds

    columns = (
        "basis_id, citizen_id, citizen_ref, order_id, service_type_id, time_band, granted_hours, "
        "performed_hours, paid_hours, visits, unit, quantity, rate, amount, rule"
    )
    first, last = month_bounds(MONTH)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE bench_lines ON COMMIT DROP AS SELECT {columns} "
            "FROM billing_invoiceline WHERE basis_id IN "
            "(SELECT id FROM billing_invoicebasis WHERE run_id = %s)",
            [run.pk],
        )
        started = time.perf_counter()
        cursor.execute(
            f"INSERT INTO billing_invoiceline ({columns}) SELECT {columns} FROM bench_lines"
        )
        lines = cursor.rowcount
        inserted = time.perf_counter()
        transaction.set_rollback(True)
    started_grouping = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT v.provider_id, v.order_id, v.time_band, count(*), "
            "sum(v.minutes), sum(v.staff_count) FILTER (WHERE v.kind = 'declined') "
            "FROM billing_visit v WHERE v.municipality_id = %s AND v.date BETWEEN %s AND %s "
            "GROUP BY 1, 2, 3) g",
            [run.municipality_id, first, last],
        )
        cursor.fetchone()
    grouped = time.perf_counter() - started_grouping
    return (
        f"floor: inserting the run's {lines} lines {inserted - started:.2f} s, grouping every "
        f"visit by provider, order and band {grouped:.2f} s"
    )


def pdf_time(run, budget: float) -> str:
    """Seconds to render every provider's basis as PDF (not part of the ratio). Stops once
    `budget` seconds are spent and estimates the rest by the number of lines."""
    from django.db.models import Count

    from billing.documents import basis_pdf

    bases = list(run.bases.annotate(line_count=Count("lines")).order_by("pk"))
    all_lines = sum(b.line_count for b in bases)
    lines = done = 0
    started = time.perf_counter()
    for basis in bases:
        basis_pdf(basis)
        lines += basis.line_count
        done += 1
        if time.perf_counter() - started > budget:
            break
    seconds = time.perf_counter() - started
    if done == len(bases):
        return f"pdf: {seconds:.1f} s for {done} providers ({lines} lines)"
    estimate = seconds * all_lines / max(lines, 1)
    return (
        f"pdf: {seconds:.1f} s for {done} of {len(bases)} providers ({lines} of {all_lines} "
        f"lines); all providers estimated {estimate:.0f} s by lines "
        f"(--pdf-seconds to render more)"
    )


def _seconds(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 25,000 citizens")
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the invoice run (with --workers 0)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="Celery worker processes for the run (default: one per core; 0: eagerly in "
        "this process, one provider after the other)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-import", action="store_true", help="skip the import measurement (quicker trials)"
    )
    parser.add_argument(
        "--pdf-seconds",
        type=float,
        default=90,
        help="render PDFs for at most this long, then estimate the rest (0: skip them)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=2,
        help="time the run this many times (each from scratch) and the raw SQL once more; the "
        "best of each counts (the machine's speed varies from second to second)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time inserting the run's lines again and one grouping of every visit",
    )
    args = parser.parse_args()
    if args.profile:
        args.workers = 0  # the profile is of this process
    if args.workers and not redis_reachable():
        print(f"Redis is not reachable at {redis_url()}: the tasks run eagerly (--workers 0).")
        args.workers = 0

    print(f"Preparing {database_url()} at scale {args.scale} …", flush=True)
    prepare_database(fresh=args.fresh)
    setup_django(workers=args.workers)
    have = generated_scale()
    if have != args.scale and (have is not None or municipality_exists()):
        # Another scale, or a generation that did not finish: start from an empty database.
        print(f"The database holds scale {have}: generating again.", flush=True)
        from django.db import connection

        connection.close()
        prepare_database(fresh=True)
        have = generated_scale()
    if have is None:
        started = time.perf_counter()
        visits = generate(args.scale, random.Random(args.seed))
        generation = time.perf_counter() - started
        mark_generated(args.scale, visits, generation)
        print(f"generation: {generation:.1f} s", flush=True)
    else:
        print("generation: reused (--fresh to generate again)", flush=True)

    from billing.models import Visit
    from lov_portal.accounts.models import User
    from lov_portal.core.models import Municipality

    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    actor = User.objects.get(email="ekonomi@bankstad.example")
    visit_count = Visit.objects.filter(municipality=municipality).count()

    if args.no_import:
        print("import: skipped (--no-import)", flush=True)
    else:
        print(import_throughput(municipality, random.Random(args.seed)), flush=True)
    vacuum_visits()
    # Each side is timed more than once, in turns, and its best time counts: on a shared
    # machine one sample can be a third slower than the next for the same work.
    raw_times, run_times = [], []
    runs = 1 if args.profile else max(1, args.runs)
    workers_peak = 0
    for _ in range(runs):
        raw, seconds = raw_totals(municipality.pk)
        raw_times.append(seconds)
        if args.workers:
            with Workers(args.workers) as workers:
                run, seconds = invoice_run(municipality, actor, profile=False)
            workers_peak = max(workers_peak, workers.peak_mb)
            how = f"{args.workers} Celery worker processes through Redis"
        else:
            run, seconds = invoice_run(municipality, actor, profile=args.profile)
            how = "eagerly in this process"
        run_times.append(seconds)
        if run.status != "preliminary":
            break
    raw, seconds = raw_totals(municipality.pk)
    raw_times.append(seconds)
    raw_seconds, run_seconds = min(raw_times), min(run_times)
    if run.status != "preliminary":
        print(f"The run ended {run.status}: {run.error}")
        if args.workers:
            print(f"The workers' log: {Workers.LOG}")
        sys.exit(1)
    differing = compare(run, raw)
    peak_run = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.floor:
        print(floor(run), flush=True)
    if args.pdf_seconds > 0:
        print(pdf_time(run, args.pdf_seconds), flush=True)
    else:
        print("pdf: skipped (--pdf-seconds 0)", flush=True)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = run_seconds / raw_seconds
    print(f"visits: {visit_count}")
    print(f"providers: {run.bases.count()}, run total {run.total_amount} SEK")
    print(f"invoice run: {run_seconds:.2f} s ({how}; best of {_seconds(run_times)})")
    print(f"raw SQL: {raw_seconds:.2f} s (best of {_seconds(raw_times)}: around the runs)")
    print(f"providers differing: {differing}")
    print(
        f"peak memory: {peak:.0f} MB ({peak_run:.0f} MB before the PDFs)"
        + (f"; largest worker process {workers_peak:.0f} MB" if args.workers else "")
    )
    print(f"invoice_run_vs_raw_sql: {ratio:.2f}")
    if differing:
        sys.exit(1)


if __name__ == "__main__":
    main()
