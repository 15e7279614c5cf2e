"""What each admin role may do in the Django admin (the matrix covers its entry point)."""

import pytest
from django.urls import reverse

from lov_portal.accounts.constants import Role
from lov_portal.core.models import Area
from tests.factories import AreaFactory, MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_municipalities():
    return MunicipalityFactory(code="1435", name="Tanum"), MunicipalityFactory(
        code="1484", name="Lysekil"
    )


def test_municipal_admin_sees_and_edits_only_own_areas(client, two_municipalities):
    tanum, lysekil = two_municipalities
    own, other = AreaFactory(municipality=tanum), AreaFactory(municipality=lysekil)
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, municipality=tanum))

    listing = client.get(reverse("admin:core_area_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [own]
    assert client.get(reverse("admin:core_area_change", args=[own.pk])).status_code == 200
    # Another municipality's area is not there at all (the admin redirects with a message).
    response = client.get(reverse("admin:core_area_change", args=[other.pk]))
    assert response.status_code == 302

    add = client.get(reverse("admin:core_area_add"))
    choices = list(add.context["adminform"].form.fields["municipality"].queryset)
    assert choices == [tanum]


def test_municipal_admin_cannot_change_municipalities_users_or_the_audit_log(
    client, two_municipalities
):
    tanum, _ = two_municipalities
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, municipality=tanum))
    # Municipalities are view-only for them.
    page = client.get(reverse("admin:core_municipality_change", args=[tanum.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403


def test_system_admin_manages_everything_but_cannot_alter_the_audit_log(client, two_municipalities):
    tanum, lysekil = two_municipalities
    AreaFactory(municipality=tanum), AreaFactory(municipality=lysekil)
    client.force_login(user_with_role(Role.SYSTEM_ADMIN))

    assert client.get(reverse("admin:core_area_changelist")).context["cl"].result_count == 2
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    audit = client.get(reverse("admin:audit_auditevent_changelist"))
    assert audit.status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403


def test_system_admin_grants_a_role_in_the_admin_and_groups_follow(client, two_municipalities):
    tanum, _ = two_municipalities
    client.force_login(user_with_role(Role.SYSTEM_ADMIN))
    target = user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum)
    assignment = target.role_assignments.get()
    url = reverse("admin:accounts_user_change", args=[target.pk])
    data = {
        "email": target.email,
        "full_name": target.full_name,
        "is_active": "on",
        "role_assignments-TOTAL_FORMS": "2",
        "role_assignments-INITIAL_FORMS": "1",
        "role_assignments-0-id": assignment.pk,
        "role_assignments-0-user": target.pk,
        "role_assignments-0-role": Role.NEEDS_ASSESSOR,
        "role_assignments-0-municipality": tanum.pk,
        "role_assignments-1-user": target.pk,
        "role_assignments-1-role": Role.MUNICIPAL_ADMIN,
        "role_assignments-1-municipality": tanum.pk,
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    target.refresh_from_db()
    assert set(target.groups.values_list("name", flat=True)) == {
        "needs_assessor",
        "municipal_admin",
    }
    assert target.is_staff
    assert Area.objects.count() == 0  # nothing else touched
