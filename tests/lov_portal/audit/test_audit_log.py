from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from lov_portal.accounts.constants import Role
from lov_portal.audit.constants import AuditAction
from lov_portal.audit.models import AppendOnlyError, AuditEvent
from lov_portal.audit.services import audit_event_purge_expired, audit_event_record
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _event(**kwargs) -> AuditEvent:
    return audit_event_record(actor=None, action=AuditAction.READ, message="x", **kwargs)


def test_record_keeps_actor_role_municipality_object_and_address(rf, municipality):
    user = user_with_role(Role.NEEDS_ASSESSOR, municipality=municipality)
    request = rf.get("/bistand/", REMOTE_ADDR="10.1.2.3")
    request.user = user

    event = audit_event_record(
        actor=user, action=AuditAction.READ, obj=municipality, request=request
    )

    event.refresh_from_db()
    assert event.actor_id == user.pk
    assert event.actor_repr == user.email
    assert event.roles == "needs_assessor"
    assert event.municipality_code == "1435"
    assert event.object_type == "core.municipality"
    assert event.object_id == str(municipality.pk)
    assert event.ip_address == "10.1.2.3"
    assert event.path == "/bistand/"


def test_model_refuses_update_and_delete():
    event = _event()
    event.message = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(message="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.message == "x"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger is PostgreSQL's")
def test_database_refuses_update_and_delete_behind_the_application():
    event = _event()
    for sql in (
        "UPDATE audit_auditevent SET message = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.message == "x"


def test_purge_deletes_only_events_older_than_retention_and_logs_itself(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    old = AuditEvent.objects.create(
        action=AuditAction.READ, timestamp=now - timedelta(days=31), message="old"
    )
    recent = AuditEvent.objects.create(
        action=AuditAction.READ, timestamp=now - timedelta(days=29), message="recent"
    )

    deleted = audit_event_purge_expired(now=now)

    assert deleted == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.PURGE).count() == 1


def test_login_logout_and_failed_login_are_logged(client):
    user = UserFactory(email="person@test.example")

    client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    client.post(reverse("accounts:logout"))

    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == [AuditAction.LOGIN_FAILED, AuditAction.LOGIN, AuditAction.LOGOUT]
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.object_repr == user.email
    assert failed.ip_address == "127.0.0.1"


def test_system_admin_searches_the_log_and_reading_an_event_is_logged(client):
    admin = user_with_role(Role.SYSTEM_ADMIN)
    _event(object_type="assessments.citizen", object_id="42", object_repr="Citizen 42")
    _event(object_type="core.area", object_id="7", object_repr="Area 7")
    client.force_login(admin)

    response = client.get(reverse("audit:list"), {"object_type": "citizen"})

    assert response.status_code == 200
    page = list(response.context["page"])
    assert [e.object_id for e in page] == ["42"]

    before = AuditEvent.objects.count()
    response = client.get(reverse("audit:detail", args=[page[0].pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    read = AuditEvent.objects.latest("pk")
    assert (read.action, read.actor_id, read.object_id) == ("read", admin.pk, str(page[0].pk))


def test_others_cannot_see_the_log(client, municipality):
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, municipality=municipality))
    event = _event()
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:detail", args=[event.pk])).status_code == 403
