import pytest
from django.contrib.auth.models import Group

from lov_portal.accounts.constants import Role
from lov_portal.accounts.services import role_revoke
from lov_portal.permissions import PERMISSIONS, ROLE_MODEL_PERMISSIONS, sync_role_groups
from tests.factories import CooperationFactory, MunicipalityFactory, ProviderFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_role_groups_hold_exactly_the_declared_model_permissions():
    """Migrations granted the permissions; a declaration without a migration fails here."""
    for role in Role:
        group = Group.objects.get(name=role.value)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == ROLE_MODEL_PERMISSIONS[role], role


def test_sync_role_groups_is_repeatable():
    sync_role_groups()
    sync_role_groups()
    assert Group.objects.filter(name__in=[r.value for r in Role]).count() == len(Role)


def test_municipal_role_is_scoped_to_objects_of_its_municipality():
    tanum, lysekil = MunicipalityFactory(code="1435"), MunicipalityFactory(code="1484")
    assessor = user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum)
    own_in_house = ProviderFactory(is_in_house=True, in_house_municipality=tanum)
    other_in_house = ProviderFactory(is_in_house=True, in_house_municipality=lysekil)

    assert assessor.has_perm("assessments.access_workspace")
    assert assessor.has_perm("assessments.access_workspace", own_in_house)
    assert not assessor.has_perm("assessments.access_workspace", other_in_house)
    assert not assessor.has_perm("billing.access_finance")


def test_provider_user_is_scoped_to_its_own_provider():
    own, other = ProviderFactory(), ProviderFactory()
    user = user_with_role(Role.PROVIDER_USER, provider=own)
    assert user.has_perm("providers.access_provider_portal", own)
    assert not user.has_perm("providers.access_provider_portal", other)


def test_cooperation_does_not_widen_a_role_by_itself():
    """Sharing a cooperation lets municipalities review together only where a later
    permission says so; a role still belongs to its own municipality."""
    tanum, lysekil = MunicipalityFactory(code="1435"), MunicipalityFactory(code="1484")
    CooperationFactory(municipalities=[tanum, lysekil])
    reviewer = user_with_role(Role.BOARD_REVIEWER, municipality=tanum)
    lysekil_in_house = ProviderFactory(is_in_house=True, in_house_municipality=lysekil)
    assert not reviewer.has_perm("providers.access_procurement", lysekil_in_house)


def test_unknown_permission_is_denied_even_for_system_admin():
    admin = user_with_role(Role.SYSTEM_ADMIN)
    assert not admin.has_perm("assessments.view_everything")
    assert admin.has_perm("audit.search_auditevents")


def test_revoking_a_role_removes_access_and_group():
    municipality = MunicipalityFactory()
    user = user_with_role(Role.MUNICIPAL_ADMIN, municipality=municipality)
    assert user.is_staff and user.groups.filter(name="municipal_admin").exists()

    role_revoke(assignment=user.role_assignments.get(), actor=None)

    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()
    assert not user.has_perm("providers.access_procurement")


def test_every_named_permission_is_checked_somewhere():
    """A declared permission no view or section uses is dead configuration."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = "\n".join(
        p.read_text()
        for p in root.glob("**/*.py")
        if ".venv" not in p.parts and "tests" not in p.parts and p.name != "permissions.py"
    )
    unused = [name for name in PERMISSIONS if f'"{name}"' not in sources]
    assert not unused, unused


def test_superuser_is_a_system_administrator_not_a_way_around_the_roles(client, settings):
    from django.urls import reverse

    from lov_portal.accounts.models import User

    superuser = User.objects.create_superuser("root@test.example", "x" * 16, full_name="Root")
    assert superuser.has_perm("audit.search_auditevents")
    settings.OTP_REQUIRED_FOR_STAFF = True
    client.force_login(superuser)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:second_factor"))


def test_a_role_is_held_once_per_scope():
    from django.db import IntegrityError, transaction

    from lov_portal.accounts.models import RoleAssignment

    municipality = MunicipalityFactory()
    user = user_with_role(Role.SYSTEM_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.SYSTEM_ADMIN)
    RoleAssignment.objects.create(user=user, role=Role.NEEDS_ASSESSOR, municipality=municipality)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            user=user, role=Role.NEEDS_ASSESSOR, municipality=municipality
        )
