"""The invoice run's common case priced in PostgreSQL: one statement per provider.

`billing.engine.compute_basis` hands over the provider's orders that need nothing but the
plain rules (paid on performed time, no standard time, a rate per hour for every time band);
one statement groups the provider's visits of the month, prices those orders' lines with the
same arithmetic as the Python code (hours rounded half-up to the hundredth, money to the
öre), inserts the lines (INSERT … SELECT) and answers with what Python still has to do:

- the orders it did not price: absence visits (paid by the day, which needs the sequence of
  days) or more paid time than granted (the cap); the engine prices those in Python;
- the orders with low performed time (a deviation each), the visits outside an order, late
  and overlapping (one deviation each kind), and the sums of the lines it inserted.

The Python path (`engine._visit_time` and the loop in `compute_basis`) stays the reference:
SQLite uses it for everything, and tests/billing/test_engine_database.py checks that both
paths write the same lines. See docs/adr/0008-invoice-runs.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from lov_portal.core.prepared import PreparedStatement

from .constants import RateUnit
from .models import InvoiceLine

# Status of a visit group: 0 paid, 1 outside an active order, 2 registered after the cut-off
# (engine._PAYABLE, _OUTSIDE, _LATE); 3 a visit on another provider's order (the import never
# makes one), given 0 or 1 by that order's period in a second part read only when there is
# one. (Looking that order up inside the grouping key made PostgreSQL sort the provider's
# visits instead of hashing them: a large provider's statement a fifth slower.)
_OWN_STATUS = """CASE WHEN v.registered_at >= %(late_after)s THEN 2
                WHEN v.order_id IS NULL THEN 1
                WHEN o.id IS NULL THEN 3
                WHEN v.date >= COALESCE(o.starts_on, o.requested_start)
                     AND (o.ends_on IS NULL OR v.date <= o.ends_on) THEN 0
                ELSE 1 END"""
_OTHER_STATUS = """CASE WHEN v.date >= COALESCE(o.starts_on, o.requested_start)
                     AND (o.ends_on IS NULL OR v.date <= o.ends_on) THEN 0
                ELSE 1 END"""

# A first-step group's paid minutes: evening and night rounded up to the step.
_KIND_PAID = """CASE WHEN %(step)s > 0 AND k.time_band IN ('evening', 'night')
                    THEN k.rounded ELSE k.plain END"""


def _grouped(status: str, source: str) -> str:
    """The provider's visits of the month grouped by order, band and `status`, in two steps.
    The first reads every visit once (one pass over the covering index
    visit_provider_month_idx) and keeps to a few plain sums per order, band, status, kind
    and approval: the per-visit cost is what the statement costs, a large provider has
    hundreds of thousands of visits. The second folds the kinds into what a line needs, on a
    few rows per order. `source` joins the orders as `o` and may narrow the visits. Module
    constants only: every value is a parameter."""
    return f"""SELECT k.order_id, k.time_band, k.status,
           sum(k.n) AS visits,
           sum(k.overlapping) AS overlapping,
           sum(k.n) FILTER (WHERE k.kind <> 'absence') AS paid_visits,
           sum(k.minutes) FILTER (WHERE k.kind NOT IN ('declined', 'absence')) AS performed,
           sum({_KIND_PAID}) FILTER (WHERE k.kind NOT IN ('declined', 'absence')) AS paid,
           sum({_KIND_PAID}) FILTER (WHERE k.kind = 'declined') AS declined_paid,
           bool_or(k.kind = 'declined') AS declined,
           bool_or(k.kind = 'absence') AS absence,
           -- As the Python path notes it: some (kind, approved) group has more staff than
           -- visits.
           COALESCE(bool_or(k.kind <> 'absence' AND k.staff > k.n), false) AS doubled
    FROM (
        SELECT v.order_id, v.time_band, {status} AS status, v.kind, v.approved_over_granted,
               count(*) AS n,
               count(*) FILTER (WHERE v.flags @> '["overlap"]'::jsonb) AS overlapping,
               sum(v.minutes) AS minutes,
               -- Paid minutes: times the staff when double staffing is paid twice, and
               -- rounded up to the step (used for evening and night).
               sum(v.minutes * CASE WHEN %(twice)s THEN v.staff_count ELSE 1 END) AS plain,
               sum((v.minutes + %(step)s - 1) / NULLIF(%(step)s, 0) * %(step)s
                   * CASE WHEN %(twice)s THEN v.staff_count ELSE 1 END) AS rounded,
               sum(v.staff_count) AS staff
        FROM billing_visit v
        {source}
            AND v.provider_id = %(provider)s AND v.municipality_id = %(municipality)s
            AND v.date >= %(first)s AND v.date <= %(last)s
        GROUP BY 1, 2, 3, 4, 5
    ) k
    GROUP BY 1, 2, 3"""  # noqa: S608 - built from this module's constants


_OWN_GROUPS = _grouped(
    _OWN_STATUS,
    """LEFT JOIN assessments_order o ON o.id = v.order_id AND o.provider_id = %(provider)s
        WHERE true""",
)
_OTHER_GROUPS = _grouped(
    _OTHER_STATUS,
    """JOIN assessments_order o ON o.id = v.order_id
        WHERE EXISTS (SELECT 1 FROM own WHERE status = 3)
            AND o.provider_id IS DISTINCT FROM %(provider)s
            AND v.registered_at < %(late_after)s""",
)

_TEMPLATE = """
WITH own AS MATERIALIZED (
    -- OWN_GROUPS --
),
grp AS NOT MATERIALIZED (
    -- One row per order, band and status: the second part has only other providers'
    -- orders and no late visits (status 2), the first only this provider's paid visits
    -- (status 0), so the paid rows the lines join on come from one part each.
    SELECT * FROM own WHERE status <> 3
    UNION ALL
    -- OTHER_GROUPS --
),
band AS (
    -- One row per order and band with paid visits (one row with no band for an order
    -- without), priced.
    SELECT o.id, o.ref, o.citizen_id, o.service_type_id, o.granted,
           COALESCE(g.time_band, 'day') AS time_band,
           CASE g.time_band WHEN 'day' THEN 0 WHEN 'evening' THEN 1 WHEN 'night' THEN 2
                ELSE 3 END AS band_rank,
           COALESCE(g.paid_visits, 0) AS visits,
           COALESCE(g.performed, 0) AS performed_minutes,
           round((COALESCE(g.paid, 0) + COALESCE(g.declined_paid, 0) * o.share / 100) / 60, 2)
               AS hours,
           CASE COALESCE(g.time_band, 'day') WHEN 'day' THEN o.r_day
                WHEN 'evening' THEN o.r_evening WHEN 'night' THEN o.r_night
                ELSE o.r_weekend END AS rate,
           COALESCE(g.absence, false) AS absence,
           CASE WHEN g.order_id IS NULL THEN %(note_none)s
                ELSE concat_ws(', ', %(note_performed)s,
                    CASE WHEN g.declined THEN o.share_note END,
                    CASE WHEN %(step)s > 0 AND g.time_band IN ('evening', 'night')
                         THEN %(note_rounded)s END,
                    CASE WHEN %(twice)s AND g.doubled THEN %(note_doubled)s END)
           END AS rule
    FROM unnest(
        %(ids)s::bigint[], %(refs)s::text[], %(citizens)s::bigint[], %(services)s::bigint[],
        %(granted)s::numeric[], %(shares)s::numeric[], %(share_notes)s::text[],
        %(r_day)s::numeric[], %(r_evening)s::numeric[], %(r_night)s::numeric[],
        %(r_weekend)s::numeric[]
    ) AS o(id, ref, citizen_id, service_type_id, granted, share, share_note,
           r_day, r_evening, r_night, r_weekend)
    LEFT JOIN grp g ON g.order_id = o.id AND g.status = 0
),
per_order AS MATERIALIZED (
    -- The order's sums beside each of its bands: the first band carries the granted time,
    -- and an order with absences or (under the cap rule) more paid than granted time is
    -- left to Python whole.
    SELECT b.*,
           row_number() OVER (PARTITION BY b.id ORDER BY b.band_rank) AS n,
           round(sum(b.performed_minutes) OVER whole::numeric / 60, 2) AS order_performed,
           bool_or(b.absence) OVER whole
           OR (%(cap)s AND sum(b.hours) OVER whole > b.granted) AS rest
    FROM band b
    WINDOW whole AS (PARTITION BY b.id)
),
inserted AS (
    INSERT INTO billing_invoiceline (
        basis_id, citizen_id, citizen_ref, order_id, service_type_id, time_band,
        granted_hours, performed_hours, paid_hours, visits, unit, quantity, rate, amount, rule
    )
    SELECT %(basis)s, p.citizen_id, p.ref, p.id, p.service_type_id, p.time_band,
           CASE WHEN p.n = 1 THEN p.granted ELSE 0 END,
           round(p.performed_minutes::numeric / 60, 2), p.hours, p.visits, %(per_hour)s,
           p.hours, p.rate, round(p.hours * p.rate, 2), left(p.rule, 300)
    FROM per_order p
    WHERE NOT p.rest
    ORDER BY p.id, p.band_rank
    RETURNING granted_hours, performed_hours, paid_hours, amount
)
SELECT r.rest, r.low_ids, r.low_hours, i.lines, i.granted, i.performed, i.paid, i.amount,
       g.outside, g.late, g.overlapping
FROM (
    -- One pass over each of the three: what Python still does, what was written, and the
    -- visits not paid.
    SELECT COALESCE(array_agg(id ORDER BY id) FILTER (WHERE rest), '{}') AS rest,
           COALESCE(array_agg(id ORDER BY id) FILTER (WHERE low), '{}') AS low_ids,
           COALESCE(array_agg(order_performed ORDER BY id) FILTER (WHERE low), '{}')
               AS low_hours
    FROM (
        SELECT id, rest, order_performed,
               NOT rest AND granted <> 0 AND order_performed * 100 < granted * %(low)s AS low
        FROM per_order
        WHERE n = 1
    ) p
) r, (
    SELECT count(*) AS lines,
           COALESCE(sum(granted_hours), 0) AS granted,
           COALESCE(sum(performed_hours), 0) AS performed,
           COALESCE(sum(paid_hours), 0) AS paid,
           COALESCE(sum(amount), 0) AS amount
    FROM inserted
) i, (
    SELECT COALESCE(sum(visits) FILTER (WHERE status = 1), 0) AS outside,
           COALESCE(sum(visits) FILTER (WHERE status = 2), 0) AS late,
           COALESCE(sum(overlapping), 0) AS overlapping
    FROM grp
) g
"""
_SETTINGS = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off;"

# The statement's parameters and their types, in the order of the prepared statement's $n.
_PARAMETER_TYPES = {
    "ids": "bigint[]",
    "refs": "text[]",
    "citizens": "bigint[]",
    "services": "bigint[]",
    "granted": "numeric[]",
    "shares": "numeric[]",
    "share_notes": "text[]",
    "r_day": "numeric[]",
    "r_evening": "numeric[]",
    "r_night": "numeric[]",
    "r_weekend": "numeric[]",
    "late_after": "timestamptz",
    "step": "integer",
    "twice": "boolean",
    "cap": "boolean",
    "low": "numeric",
    "provider": "bigint",
    "municipality": "bigint",
    "first": "date",
    "last": "date",
    "basis": "bigint",
    "per_hour": "text",
    "note_none": "text",
    "note_performed": "text",
    "note_rounded": "text",
    "note_doubled": "text",
}
# Built from the constants above only; every value is a bound parameter.
_STATEMENT = _TEMPLATE.replace("-- OWN_GROUPS --", _OWN_GROUPS).replace(
    "-- OTHER_GROUPS --", _OTHER_GROUPS
)


# Prepared once per database connection and then only executed: parsing and planning the
# statement cost a small provider's task about a quarter of the statement's time.
PRICE_LINES = PreparedStatement("billing_price_lines", _STATEMENT, _PARAMETER_TYPES)


@dataclass
class DatabaseLines:
    """What the statement did and what it leaves to Python."""

    rest: list[int] = field(default_factory=list)
    low_performed: list[tuple[int, Decimal]] = field(default_factory=list)
    lines: int = 0
    granted_hours: Decimal = Decimal(0)
    performed_hours: Decimal = Decimal(0)
    paid_hours: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    outside: int = 0
    late: int = 0
    overlapping: int = 0


@dataclass
class PlainOrder:
    """One order for the statement: its line values Python already knows."""

    pk: int
    ref: str
    citizen_id: int
    service_type_id: int
    granted: Decimal
    share: Decimal
    share_note: str
    rates: tuple[Decimal, Decimal, Decimal, Decimal]  # day, evening, night, weekend


def _array(values: list, *, text: bool = False) -> str:
    """A PostgreSQL array literal ('{1,2,3}'), sent as one string and cast in the statement.
    psycopg2 would send a list as ARRAY[1, 2, 3]: an expression PostgreSQL parses and plans
    element by element, which cost a provider with 10,000 orders (eleven arrays of them)
    more than the statement's own work on its small providers. Text elements are quoted."""
    if not text:
        return "{" + ",".join(str(v) for v in values) + "}"
    quoted = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def available() -> bool:
    return connection.vendor == "postgresql"


def price_lines(
    *,
    basis_id: int,
    provider_id: int,
    municipality_id: int,
    first: datetime.date,
    last: datetime.date,
    late_after: datetime.datetime,
    rules,
    orders: list[PlainOrder],
) -> DatabaseLines:
    """Insert the lines of `orders` that need only the plain rules; see the module."""
    assert InvoiceLine._meta.db_table == "billing_invoiceline"
    step = int(rules.round_evening_night_to or 0)
    params = {
        "ids": _array([o.pk for o in orders]),
        "refs": _array([o.ref for o in orders], text=True),
        "citizens": _array([o.citizen_id for o in orders]),
        "services": _array([o.service_type_id for o in orders]),
        "granted": _array([o.granted for o in orders]),
        "shares": _array([o.share for o in orders]),
        "share_notes": _array([o.share_note for o in orders], text=True),
        "r_day": _array([o.rates[0] for o in orders]),
        "r_evening": _array([o.rates[1] for o in orders]),
        "r_night": _array([o.rates[2] for o in orders]),
        "r_weekend": _array([o.rates[3] for o in orders]),
        "late_after": late_after,
        "step": step,
        "twice": bool(rules.double_staffing_paid_twice),
        "cap": bool(rules.cap_at_granted),
        "low": rules.low_performed_percent,
        "provider": provider_id,
        "municipality": municipality_id,
        "first": first,
        "last": last,
        "basis": basis_id,
        "per_hour": str(RateUnit.PER_HOUR),
        "note_none": "utförd tid: inga besök",
        "note_performed": "utförd tid",
        "note_rounded": f"avrundat uppåt till {step} min",
        "note_doubled": "dubbelbemanning",
    }
    with connection.cursor() as cursor:
        # For this transaction only: the grouping of a large provider's month (hundreds of
        # thousands of visits) stays in memory instead of spilling to disk; and no JIT: the
        # planner's row estimates for the unnested orders are far too high, so a large
        # provider's statement passed the JIT threshold and spent seconds compiling code for
        # a query that runs in well under one.
        PRICE_LINES.execute(cursor, params, before=_SETTINGS)
        row = cursor.fetchone()
    (rest, low_ids, low_hours, count, granted, performed, paid, amount, outside, late, over) = row
    return DatabaseLines(
        rest=list(rest),
        low_performed=list(zip(low_ids, low_hours, strict=True)),
        lines=count,
        granted_hours=granted,
        performed_hours=performed,
        paid_hours=paid,
        amount=amount,
        outside=int(outside),
        late=int(late),
        overlapping=int(over),
    )
