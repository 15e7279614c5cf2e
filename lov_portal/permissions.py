"""Who may do what, declared in one place.

Two layers, both defined here and nowhere else:

1. Named permissions (django-rules): `PERMISSIONS` maps a permission to a predicate over the
   user's role assignments, optionally scoped by an object. Objects that carry a scope expose
   `municipality_ids` (a set of municipality ids the object belongs to) and/or `provider_id`.
   Every view checks one of these names; anything not declared is denied.
2. Model permissions for the Django admin: `ROLE_MODEL_PERMISSIONS` lists what each role's
   group may do there; migrations call `sync_role_groups` to grant them, and the role services
   keep each user's groups equal to the roles they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import rules

from lov_portal.accounts.constants import Role


@dataclass(frozen=True)
class UserScope:
    """The roles a user holds and where: computed once per request and cached on the user."""

    global_roles: frozenset[str]
    municipality_roles: dict[str, frozenset[int]]
    provider_ids: frozenset[int]

    def municipality_ids(self, *roles: str) -> set[int]:
        ids: set[int] = set()
        for role in roles:
            ids |= self.municipality_roles.get(role, frozenset())
        return ids

    @property
    def roles(self) -> set[str]:
        held = set(self.global_roles) | {r for r, ids in self.municipality_roles.items() if ids}
        if self.provider_ids:
            held.add(Role.PROVIDER_USER)
        return held


EMPTY_SCOPE = UserScope(frozenset(), {}, frozenset())


def user_scope(user) -> UserScope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_lov_scope", None)
    if cached is not None:
        return cached
    global_roles: set[str] = set()
    municipality_roles: dict[str, set[int]] = {}
    provider_ids: set[int] = set()
    for role, municipality_id, provider_id in user.role_assignments.values_list(
        "role", "municipality_id", "provider_id"
    ):
        if provider_id is not None:
            provider_ids.add(provider_id)
        elif municipality_id is not None:
            municipality_roles.setdefault(role, set()).add(municipality_id)
        else:
            global_roles.add(role)
    if user.is_superuser:
        # A superuser (createsuperuser) is a system administrator: same rules, same second
        # factor, same audit log access; never a way around the role model.
        global_roles.add(Role.SYSTEM_ADMIN)
    scope = UserScope(
        frozenset(global_roles),
        {r: frozenset(ids) for r, ids in municipality_roles.items()},
        frozenset(provider_ids),
    )
    user._lov_scope = scope
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, "_lov_scope"):
        del user._lov_scope


# --- Predicates ---------------------------------------------------------------------------


def has_municipal_role(*roles: Role) -> rules.Predicate:
    """The user holds one of `roles` in a municipality the object belongs to (or anywhere,
    when there is no object)."""

    @rules.predicate(name=f"has_municipal_role({', '.join(roles)})")
    def predicate(user, obj=None) -> bool:
        ids = user_scope(user).municipality_ids(*roles)
        if obj is None:
            return bool(ids)
        return bool(ids & set(getattr(obj, "municipality_ids", ())))

    return predicate


@rules.predicate
def is_provider_user(user, obj=None) -> bool:
    """The user works for a provider (and, with an object, for the object's provider)."""
    provider_ids = user_scope(user).provider_ids
    if obj is None:
        return bool(provider_ids)
    return getattr(obj, "provider_id", None) in provider_ids


@rules.predicate
def is_allowed_protected_address(user, obj=None) -> bool:
    """The citizen's protected address may be shown to this user (an explicit grant)."""
    if obj is None:
        return False
    return obj.protected_address_readers.filter(pk=user.pk).exists()


@rules.predicate
def is_system_admin(user, obj=None) -> bool:
    return Role.SYSTEM_ADMIN in user_scope(user).global_roles


@rules.predicate
def has_any_role(user, obj=None) -> bool:
    return bool(user_scope(user).roles)


# --- Named permissions: the single list every view checks ---------------------------------

PERMISSIONS: dict[str, rules.Predicate] = {
    # Shared core
    "core.view_workspace": has_any_role,
    "accounts.manage_own_second_factor": rules.is_authenticated,
    "audit.search_auditevents": is_system_admin,
    # Providers: requests for applications, review, contracts
    "providers.access_procurement": has_municipal_role(
        Role.PROCUREMENT_OFFICER, Role.BOARD_REVIEWER, Role.MUNICIPAL_ADMIN
    ),
    "providers.access_provider_portal": is_provider_user,
    # Write and publish requests for applications (object: the request or a version).
    "providers.manage_request": has_municipal_role(Role.PROCUREMENT_OFFICER),
    # See an application (object: the application): its provider, and the reviewers of the
    # municipalities the request belongs to (a cooperation reviews together).
    "providers.view_application": is_provider_user
    | has_municipal_role(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER),
    "providers.edit_application": is_provider_user,
    "providers.review_application": has_municipal_role(
        Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER
    ),
    # Decide for one municipality (object: the application to that municipality).
    "providers.decide_application": has_municipal_role(Role.BOARD_REVIEWER),
    # Warn, suspend, reactivate or terminate a contract (object: the contract).
    "providers.manage_contract": has_municipal_role(Role.PROCUREMENT_OFFICER, Role.MUNICIPAL_ADMIN),
    # Needs assessment, choice and orders
    "assessments.access_workspace": has_municipal_role(Role.NEEDS_ASSESSOR),
    # Find, register, read and change a citizen (object: the citizen) in one's municipality.
    "assessments.manage_citizen": has_municipal_role(Role.NEEDS_ASSESSOR),
    # Draft, decide, change and end needs-assessment decisions (object: the decision).
    "assessments.make_decision": has_municipal_role(Role.NEEDS_ASSESSOR),
    # The provider's side of an order (object: the order): see it and confirm it.
    "assessments.handle_order": is_provider_user,
    # See the address of a citizen with protected identity: only users explicitly allowed.
    "assessments.view_protected_address": has_municipal_role(Role.NEEDS_ASSESSOR)
    & is_allowed_protected_address,
    # Compensation and invoicing
    "billing.access_finance": has_municipal_role(Role.FINANCE_OFFICER),
    # Start, follow, approve and correct invoice runs (object: the run or the municipality).
    "billing.manage_runs": has_municipal_role(Role.FINANCE_OFFICER),
    # See an invoice basis (object: the basis): the municipality's finance officers and the
    # provider it pays.
    "billing.view_basis": has_municipal_role(Role.FINANCE_OFFICER) | is_provider_user,
    # Dispute a line of one's own preliminary basis (object: the line).
    "billing.dispute_line": is_provider_user,
    # Rates and compensation rules of a municipality (object: the rate or rules).
    "billing.manage_rates": has_municipal_role(Role.FINANCE_OFFICER),
    # Report performed time, see and edit one's visits and API tokens (object: a visit,
    # a delivery or a token, by its provider_id).
    "billing.report_visits": is_provider_user,
    # Quality follow-up
    "followup.access_quality": has_municipal_role(Role.QUALITY_OFFICER),
    # Survey results, imports and own surveys of a municipality (object: the result, import
    # or survey).
    "followup.manage_surveys": has_municipal_role(Role.QUALITY_OFFICER),
    # Plan and record follow-up visits and their findings, accept or return action plans
    # (object: the visit or finding; a visit shared with a cooperation belongs to all of its
    # municipalities).
    "followup.manage_visits": has_municipal_role(Role.QUALITY_OFFICER),
    # The provider's side of a finding: see it and answer with an action plan (object: the
    # finding, by its provider_id).
    "followup.answer_finding": is_provider_user,
    # Register, handle and close complaints, deviations and Lex Sarah cases (object: the case).
    "followup.handle_case": has_municipal_role(Role.QUALITY_OFFICER),
    # A provider's view of the cases about itself, its statement, and its own deviation and
    # Lex Sarah reports (object: the case, by its provider_id).
    "followup.provider_case": is_provider_user,
    # Quality reports of a municipality or cooperation (object: the report).
    "followup.manage_reports": has_municipal_role(Role.QUALITY_OFFICER),
    # The board's statistics per municipality and month (object: the municipality).
    "followup.view_statistics": has_municipal_role(
        Role.BOARD_REVIEWER, Role.QUALITY_OFFICER, Role.MUNICIPAL_ADMIN
    ),
}

for _name, _predicate in PERMISSIONS.items():
    rules.add_perm(_name, _predicate)


# --- Model permissions granted to each role's group (the Django admin) --------------------

_CORE_MODELS = ["municipality", "cooperation", "area", "areapostalcode", "servicetype"]


def _crud(app_label: str, models: Iterable[str]) -> set[str]:
    return {
        f"{app_label}.{action}_{model}"
        for model in models
        for action in ("view", "add", "change", "delete")
    }


ROLE_MODEL_PERMISSIONS: dict[str, set[str]] = {
    Role.SYSTEM_ADMIN: _crud("core", _CORE_MODELS)
    | _crud("accounts", ["user", "roleassignment"])
    | _crud("providers", ["provider"])
    | {"audit.view_auditevent"},
    Role.MUNICIPAL_ADMIN: {"core.view_municipality", "core.view_servicetype"}
    | _crud("core", ["area", "areapostalcode"]),
    Role.NEEDS_ASSESSOR: set(),
    Role.BOARD_REVIEWER: set(),
    Role.PROCUREMENT_OFFICER: set(),
    Role.FINANCE_OFFICER: set(),
    Role.QUALITY_OFFICER: set(),
    Role.PROVIDER_USER: set(),
}

# Roles whose users may open the Django admin at all.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.MUNICIPAL_ADMIN})


def sync_role_groups(apps=None, *, strict: bool = True) -> None:
    """Create one group per role and give it exactly the permissions declared above.

    Data migrations call it with the historical `apps` and strict=False, so a permission on a
    model that a later migration creates is skipped until that migration runs it again. A test
    checks that after all migrations every group holds exactly what is declared here.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or global_apps
    if apps is not None:
        # Permissions are normally created after migrate; make sure they exist now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, verbosity=0, apps=apps)
            app_config.models_module = None
    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        perms = []
        for dotted in sorted(ROLE_MODEL_PERMISSIONS.get(role, set())):
            app_label, codename = dotted.split(".", 1)
            perm = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is None:
                if strict:
                    raise LookupError(f"Permission {dotted} does not exist.")
                continue
            perms.append(perm)
        group.permissions.set(perms)
