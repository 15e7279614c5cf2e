"""Performed time: the CSV and API import (all or nothing, idempotent, flags), visit edits
with history, API tokens, and that a provider sees only its own visits."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from billing import services
from billing.constants import TimeBand, VisitFlag, VisitKind, VisitSource
from billing.models import ApiToken, Visit, VisitChange, VisitImport
from billing.rules import is_weekend_or_holiday
from tests.billing.factories import (
    IDENTITY_NUMBERS,
    billing_setup,
    confirmed_order,
    csv_bytes,
    visit_row,
)

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/besok/"


@pytest.fixture
def s():
    return billing_setup()


@pytest.fixture
def order(s):
    return confirmed_order(s)


def day(s, n: int) -> datetime.date:
    """The n:th day (0 = the first) of the orders' first month."""
    return s.month + datetime.timedelta(days=n)


def upload(s, data: bytes, name="besok.csv", user=None):
    return services.visit_import_csv(
        provider=s.provider,
        uploaded_file=SimpleUploadedFile(name, data, content_type="text/csv"),
        actor=user or s.provider_user,
    )


def import_rows(s, rows, user=None):
    return services.visit_import_rows(
        provider=s.provider, rows=rows, source=VisitSource.API, actor=user or s.provider_user
    )


# --- The CSV file ------------------------------------------------------------------------


def test_the_same_file_twice_imports_nothing_new(s, order):
    rows = [
        visit_row(order, "V1", day(s, 0), "08:00", "08:45"),
        visit_row(order, "V2", day(s, 1), "22:00", "02:00", staff=2, kind="avbojd"),
    ]
    first = upload(s, csv_bytes(rows))
    assert first.accepted and (first.created, first.unchanged) == (2, 0)
    second = upload(s, csv_bytes(rows, delimiter=",", bom=True))
    assert second.accepted and (second.created, second.unchanged) == (0, 2)
    assert Visit.objects.count() == 2

    late = Visit.objects.get(external_id="V2")
    assert late.minutes == 240  # past midnight
    assert timezone.localtime(late.ends_at).date() == day(s, 2)
    assert late.time_band in (TimeBand.NIGHT, TimeBand.WEEKEND)
    assert late.kind == VisitKind.DECLINED and late.staff_count == 2
    assert late.order == order and late.municipality == s.municipality
    assert late.import_batch == first
    early = Visit.objects.get(external_id="V1")
    assert early.minutes == 45
    weekend = is_weekend_or_holiday(early.date)
    assert early.time_band == (TimeBand.WEEKEND if weekend else TimeBand.DAY)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(s, order):
    other_order = confirmed_order(s, provider=s.other_provider, number=IDENTITY_NUMBERS[1])
    rows = [
        visit_row(order, "V1", day(s, 0)),  # line 2: good
        {**visit_row(order, "V2", day(s, 0)), "date": "2026-13-01"},  # line 3
        {**visit_row(order, "V3", day(s, 0)), "staff": 5},  # line 4
        visit_row(other_order, "V4", day(s, 0)),  # line 5: another provider's order
        visit_row(order, "V1", day(s, 1)),  # line 6: duplicate id
        {**visit_row(order, "V6", day(s, 0)), "kind": "sovande"},  # line 7
    ]
    batch = upload(s, csv_bytes(rows))
    assert not batch.accepted
    assert [error["line"] for error in batch.errors] == [3, 4, 5, 6, 7]
    assert all(error["message"] for error in batch.errors)
    assert "V1" in batch.errors[3]["message"]
    assert Visit.objects.count() == 0
    assert batch.created == 0

    fixed = upload(s, csv_bytes([visit_row(order, "V1", day(s, 0))]))
    assert fixed.accepted and fixed.created == 1


def test_a_known_visit_id_with_other_values_is_an_error(s, order):
    upload(s, csv_bytes([visit_row(order, "V1", day(s, 0), "08:00", "09:00")]))
    batch = upload(s, csv_bytes([visit_row(order, "V1", day(s, 0), "08:00", "09:30")]))
    assert not batch.accepted
    assert batch.errors[0]["line"] == 2
    assert Visit.objects.get().minutes == 60


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01binary\x00",
        b"id;order\n1;B1\n",
        b"",
        b"besoks_id;bestallning;datum;start;slut;personal;typ\n",
        "å".encode("latin-1") * 10,
    ],
    ids=["binary", "wrong-header", "empty", "header-only", "not-utf8"],
)
def test_a_file_that_cannot_be_read_is_refused_whole(s, order, data):
    with pytest.raises(ValidationError):
        upload(s, data)
    assert not VisitImport.objects.exists()


def test_a_file_over_10_mb_is_refused(s, order):
    data = b"besoks_id;bestallning;datum;start;slut;personal;typ\n" + b"x" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError):
        upload(s, data)


# --- Flags -------------------------------------------------------------------------------


def test_a_visit_outside_the_order_is_flagged_no_order(s, order):
    before = s.month - datetime.timedelta(days=1)
    import_rows(s, [visit_row(order, "V1", before), visit_row(order, "V2", day(s, 0))])
    assert VisitFlag.NO_ORDER in Visit.objects.get(external_id="V1").flags
    assert VisitFlag.NO_ORDER not in Visit.objects.get(external_id="V2").flags


def test_overlapping_visits_of_an_order_are_flagged(s, order):
    import_rows(
        s,
        [
            visit_row(order, "V1", day(s, 0), "10:00", "11:00"),
            visit_row(order, "V2", day(s, 0), "11:00", "12:00"),  # touches, no overlap
        ],
    )
    assert all(VisitFlag.OVERLAP not in v.flags for v in Visit.objects.all())
    # A later delivery overlapping a saved visit flags both.
    batch = import_rows(s, [visit_row(order, "V3", day(s, 0), "10:30", "10:45")])
    assert batch.flagged == 1
    flags = {v.external_id: v.flags for v in Visit.objects.all()}
    assert VisitFlag.OVERLAP in flags["V1"] and VisitFlag.OVERLAP in flags["V3"]
    assert VisitFlag.OVERLAP not in flags["V2"]


def test_visits_over_the_granted_time_are_flagged_and_recomputed(s, order):
    # 20 hours a month: two 8-hour visits fit, the third goes over.
    import_rows(
        s,
        [
            visit_row(order, "V1", day(s, 0), "08:00", "16:00"),
            visit_row(order, "V2", day(s, 1), "08:00", "16:00"),
        ],
    )
    assert all(VisitFlag.OVER_GRANTED not in v.flags for v in Visit.objects.all())
    import_rows(s, [visit_row(order, "V3", day(s, 2), "08:00", "16:00")])
    assert VisitFlag.OVER_GRANTED in Visit.objects.get(external_id="V3").flags
    # Shortening the first visit brings the month under the granted time again.
    services.visit_update(
        visit=Visit.objects.get(external_id="V1"),
        actor=s.provider_user,
        reason="Fel sluttid",
        end=datetime.time(9, 0),
    )
    assert all(VisitFlag.OVER_GRANTED not in v.flags for v in Visit.objects.all())


def test_declined_visits_do_not_count_against_the_granted_time(s, order):
    import_rows(
        s,
        [
            visit_row(order, "V1", day(s, 0), "08:00", "16:00", kind="avbojd"),
            visit_row(order, "V2", day(s, 1), "08:00", "16:00", kind="avbojd"),
            visit_row(order, "V3", day(s, 2), "08:00", "16:00"),
        ],
    )
    assert all(VisitFlag.OVER_GRANTED not in v.flags for v in Visit.objects.all())


def test_a_visit_registered_after_the_cut_off_is_flagged(s, order):
    long_ago = (s.month - datetime.timedelta(days=70)).replace(day=10)
    import_rows(s, [visit_row(order, "V1", long_ago), visit_row(order, "V2", day(s, 0))])
    assert VisitFlag.AFTER_CUTOFF in Visit.objects.get(external_id="V1").flags
    assert VisitFlag.AFTER_CUTOFF not in Visit.objects.get(external_id="V2").flags


# --- Edits -------------------------------------------------------------------------------


def test_an_edit_needs_a_reason_and_keeps_its_history(s, order):
    import_rows(s, [visit_row(order, "V1", day(s, 0), "08:00", "09:00")])
    visit = Visit.objects.get()
    with pytest.raises(ValidationError) as caught:
        services.visit_update(visit=visit, actor=s.provider_user, reason=" ", staff_count=2)
    assert "reason" in caught.value.error_dict
    assert not VisitChange.objects.exists()

    services.visit_update(
        visit=visit,
        actor=s.provider_user,
        reason="Dubbelbemanning glömdes",
        staff_count=2,
        end=datetime.time(9, 30),
    )
    visit.refresh_from_db()
    assert (visit.staff_count, visit.minutes) == (2, 90)
    change = visit.changes.get()
    assert change.before["staff_count"] == 1 and change.after["staff_count"] == 2
    assert (change.before["end"], change.after["end"]) == ("09:00", "09:30")
    assert change.changed_by == s.provider_user
    # The original file sent again no longer matches the edited visit.
    batch = import_rows(s, [visit_row(order, "V1", day(s, 0), "08:00", "09:00")])
    assert not batch.accepted


def test_the_edit_page_requires_a_reason_and_shows_the_history(client, s, order):
    import_rows(s, [visit_row(order, "V1", day(s, 0), "08:00", "09:00")])
    visit = Visit.objects.get()
    client.force_login(s.provider_user)
    url = reverse("provider_time:visit_edit", kwargs={"pk": visit.pk})
    data = {
        "date": day(s, 0).isoformat(),
        "start": "08:00",
        "end": "10:00",
        "staff_count": "1",
        "kind": "performed",
        "reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(url, {**data, "reason": "Besöket blev längre"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="visit-changes"' in page and "Besöket blev längre" in page
    visit.refresh_from_db()
    assert visit.minutes == 120


# --- Pages -------------------------------------------------------------------------------


def test_upload_page_imports_and_lists_bad_rows(client, s, order):
    client.force_login(s.provider_user)
    bad = {**visit_row(order, "V2", day(s, 0)), "start": "25:00"}
    response = client.post(
        reverse("provider_time:home"),
        {"file": SimpleUploadedFile("b.csv", csv_bytes([visit_row(order), bad]))},
    )
    batch = VisitImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("provider_time:import_detail", kwargs={"pk": batch.pk})
    page = client.get(response.url).content.decode()
    assert 'id="import-errors"' in page and '<th scope="row">3</th>' in page
    home = client.get(reverse("provider_time:home")).content.decode()
    assert "b.csv" in home


def test_upload_page_shows_a_field_error_for_a_binary_file(client, s, order):
    client.force_login(s.provider_user)
    response = client.post(
        reverse("provider_time:home"),
        {"file": SimpleUploadedFile("b.csv", b"\x00\x00\x00")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not VisitImport.objects.exists()


def test_visit_list_by_month_shows_flags(client, s, order):
    before = s.month - datetime.timedelta(days=1)
    import_rows(s, [visit_row(order, "V1", day(s, 0)), visit_row(order, "OLD", before)])
    client.force_login(s.provider_user)
    page = client.get(
        reverse("provider_time:visit_list"), {"manad": s.month.strftime("%Y-%m")}
    ).content.decode()
    assert ">V1<" in page and ">OLD<" not in page
    page = client.get(
        reverse("provider_time:visit_list"), {"manad": before.strftime("%Y-%m")}
    ).content.decode()
    assert ">OLD<" in page and 'data-flags="no_order' in page


def test_order_pages_show_the_reference(client, s, order):
    client.force_login(s.provider_user)
    assert order.reference in client.get(reverse("provider_orders:list")).content.decode()
    detail = client.get(reverse("provider_orders:detail", kwargs={"pk": order.pk}))
    assert f'<code id="order-reference">{order.reference}</code>' in detail.content.decode()


def test_a_provider_sees_and_edits_only_its_own_time(client, s, order):
    import_rows(s, [visit_row(order, "V1", day(s, 0))])
    visit = Visit.objects.get()
    batch = VisitImport.objects.get()
    token, _raw = services.api_token_create(provider=s.provider, name="TES", actor=s.provider_user)
    client.force_login(s.other_provider_user)
    for url in (
        reverse("provider_time:import_detail", kwargs={"pk": batch.pk}),
        reverse("provider_time:visit_edit", kwargs={"pk": visit.pk}),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    revoke = reverse("provider_time:api_token_revoke", kwargs={"pk": token.pk})
    assert client.post(revoke).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    listing = client.get(
        reverse("provider_time:visit_list"), {"manad": s.month.strftime("%Y-%m")}
    ).content.decode()
    assert ">V1<" not in listing
    assert "TES" not in client.get(reverse("provider_time:api_tokens")).content.decode()
    with pytest.raises(PermissionDenied):
        services.visit_update(visit=visit, actor=s.other_provider_user, reason="x", staff_count=2)


# --- API tokens and the API --------------------------------------------------------------


def test_token_page_shows_a_new_token_once_and_revokes(client, s):
    client.force_login(s.provider_user)
    url = reverse("provider_time:api_tokens")
    response = client.post(url, {"name": "Tidsystemet"})
    raw = response.context["raw_token"]
    token = ApiToken.objects.get()
    assert raw in response.content.decode() and token.prefix == raw[:8]
    assert raw not in client.get(url).content.decode()
    assert token.token_hash != raw
    response = client.post(reverse("provider_time:api_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def post_api(client, raw, payload):
    return client.post(
        API_URL,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"} if raw is not None else {},
    )


def test_api_imports_idempotently(client, s, order):
    token, raw = services.api_token_create(provider=s.provider, name="T", actor=s.provider_user)
    payload = {"visits": [visit_row(order, "A1", day(s, 0)), visit_row(order, "A2", day(s, 1))]}
    response = post_api(client, raw, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["unchanged"], body["flagged"]) == (2, 0, 0)
    assert VisitImport.objects.get(pk=body["import_id"]).source == VisitSource.API
    again = post_api(client, raw, payload).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert Visit.objects.count() == 2
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("raw", [None, "", "not-a-token"])
def test_api_refuses_a_missing_or_bad_token(client, s, order, raw):
    response = post_api(client, raw, {"visits": [visit_row(order)]})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert not VisitImport.objects.exists()


def test_api_refuses_a_revoked_token(client, s, order):
    token, raw = services.api_token_create(provider=s.provider, name="T", actor=s.provider_user)
    services.api_token_revoke(token=token, actor=s.provider_user)
    assert post_api(client, raw, {"visits": [visit_row(order)]}).status_code == 401


def test_api_bad_rows_give_problem_json_in_swedish(client, s, order):
    _token, raw = services.api_token_create(provider=s.provider, name="T", actor=s.provider_user)
    payload = {
        "visits": [
            visit_row(order, "A1", day(s, 0)),
            {**visit_row(order, "A2", day(s, 0)), "order": "B999999"},
            {**visit_row(order, "A3", day(s, 0)), "end": "8 am"},
        ]
    }
    response = post_api(client, raw, payload)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response["Content-Language"] == "sv"
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= body.keys()
    assert [(e["index"], e["line"]) for e in body["errors"]] == [(1, 2), (2, 3)]
    with translation.override("sv"):
        expected = gettext("The end must be a time written HH:MM.")
    assert body["errors"][1]["message"] == expected
    assert not Visit.objects.exists()


def test_api_refuses_a_body_that_is_not_a_list_of_visits(client, s, order):
    _token, raw = services.api_token_create(provider=s.provider, name="T", actor=s.provider_user)
    response = client.post(
        API_URL,
        data="[1,",
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 400
    assert post_api(client, raw, {"visits": []}).status_code == 400


def test_api_refuses_too_many_visits(client, s, order, monkeypatch):
    from billing import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    _token, raw = services.api_token_create(provider=s.provider, name="T", actor=s.provider_user)
    payload = {"visits": [visit_row(order, f"A{i}", day(s, 0)) for i in range(3)]}
    assert post_api(client, raw, payload).status_code == 413


def test_api_is_post_only(client):
    assert client.get(API_URL).status_code == 405


def test_visits_in_the_summer_time_changes_are_imported_once(s, order):
    spring = datetime.date(2027, 3, 28)  # 02:00-03:00 does not exist
    autumn = datetime.date(2027, 10, 31)  # 02:00-03:00 happens twice
    rows = [
        visit_row(order, "GAP", spring, "02:15", "02:45"),
        visit_row(order, "FOLD", autumn, "02:15", "02:45"),
        visit_row(order, "NIGHT", autumn, "01:00", "04:00"),
    ]
    first = import_rows(s, rows)
    assert first.accepted and first.created == 3
    minutes = dict(Visit.objects.values_list("external_id", "minutes"))
    assert minutes["GAP"] == 30 and minutes["FOLD"] == 30
    assert minutes["NIGHT"] == 240  # the repeated hour is worked too
    again = import_rows(s, rows)
    assert again.accepted and (again.created, again.unchanged) == (0, 3)
