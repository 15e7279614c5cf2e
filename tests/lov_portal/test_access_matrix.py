"""Role × URL matrix: every URL the project defines has an entry here, and every role gets
exactly what the entry says. A new URL without an entry fails `test_every_url_has_an_entry`."""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent

PUBLIC = "public"  # anyone, logged in or not
ANY_USER = "any_user"  # any logged-in user


@dataclass(frozen=True)
class Entry:
    allowed: str | frozenset
    kwargs: dict = field(default_factory=dict)
    # Status for an allowed user (some public pages redirect a logged-in user onwards).
    ok_status: int = 200
    ok_status_authenticated: int | None = None
    method: str = "get"


def roles(*names: Role) -> frozenset:
    return frozenset(names)


MATRIX: dict[str, Entry | str] = {
    "core:start": Entry(PUBLIC),
    "core:accessibility": Entry(PUBLIC),
    "core:health": Entry(PUBLIC),
    "core:home": Entry(roles(*Role)),
    "catalog:home": Entry(PUBLIC),
    # The catalogue of `municipality` (Tanum, 1435): public, as open data is.
    "catalog:list": Entry(PUBLIC, kwargs={"code": "1435"}),
    "catalog:provider": Entry(PUBLIC, kwargs={"code": "1435", "pk": "__contracted__"}),
    "catalog:compare": Entry(PUBLIC, kwargs={"code": "1435"}),
    "catalog:print": Entry(PUBLIC, kwargs={"code": "1435"}),
    "catalog:print_pdf": Entry(PUBLIC, kwargs={"code": "1435"}, ok_status=302),
    "catalog:api_json": Entry(PUBLIC, kwargs={"code": "1435"}),
    "catalog:api_csv": Entry(PUBLIC, kwargs={"code": "1435"}),
    "accounts:login": Entry(PUBLIC, ok_status_authenticated=302),
    "accounts:password_reset": Entry(PUBLIC),
    "accounts:password_reset_done": Entry(PUBLIC),
    "accounts:password_reset_complete": Entry(PUBLIC),
    "accounts:password_reset_confirm": Entry(PUBLIC, kwargs={"uidb64": "MQ", "token": "x-y"}),
    "accounts:verify": Entry(ANY_USER),
    "accounts:second_factor": Entry(ANY_USER),
    "providers:procurement": Entry(
        roles(Role.PROCUREMENT_OFFICER, Role.BOARD_REVIEWER, Role.MUNICIPAL_ADMIN)
    ),
    "providers:portal": Entry(roles(Role.PROVIDER_USER)),
    "assessments:home": Entry(roles(Role.NEEDS_ASSESSOR)),
    # A citizen of `municipality`: only its needs assessors, everyone else 403/404.
    "assessments:citizen_search": Entry(roles(Role.NEEDS_ASSESSOR)),
    "assessments:citizen_register": Entry(roles(Role.NEEDS_ASSESSOR)),
    "assessments:citizen_detail": Entry(roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__citizen__"}),
    "assessments:citizen_update": Entry(roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__citizen__"}),
    "assessments:contact_person_add": Entry(
        roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__citizen__"}
    ),
    "assessments:decision_create": Entry(roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__citizen__"}),
    "assessments:decision_detail": Entry(
        roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__needs_decision__"}
    ),
    # The matrix's decision is decided: its edit page sends the assessor back to it (302).
    "assessments:decision_update": Entry(
        roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__needs_decision__"}, ok_status=302
    ),
    "assessments:decision_pdf": Entry(
        roles(Role.NEEDS_ASSESSOR), kwargs={"pk": "__needs_decision__"}
    ),
    "assessments:decision_decide": "POST only: tests/assessments/test_decisions.py",
    "assessments:choice_record": "POST only: tests/assessments/test_orders.py",
    "assessments:no_choice_apply": "POST only: tests/assessments/test_orders.py",
    # Orders of `provider` for a citizen of `municipality`: only that provider's users.
    "provider_orders:list": Entry(roles(Role.PROVIDER_USER)),
    "provider_orders:detail": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__order__"}),
    "assessments:decision_revise": "POST only: tests/assessments/test_decisions.py",
    "assessments:decision_end": "POST only: tests/assessments/test_decisions.py",
    "billing:home": Entry(roles(Role.FINANCE_OFFICER)),
    "followup:home": Entry(roles(Role.QUALITY_OFFICER)),
    "audit:list": Entry(roles(Role.SYSTEM_ADMIN)),
    "audit:detail": Entry(roles(Role.SYSTEM_ADMIN), kwargs={"pk": "__event__"}),
    "admin:index": Entry(roles(Role.SYSTEM_ADMIN, Role.MUNICIPAL_ADMIN)),
    # Providers: the application of `provider` to a request of `municipality` (see
    # _objects); its provider and the municipality's reviewers see it, nobody else.
    "providers:review_queue": Entry(roles(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER)),
    "providers:expiring_evidence": Entry(roles(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER)),
    "providers:review_detail": Entry(
        roles(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER, Role.PROVIDER_USER),
        kwargs={"pk": "__application__"},
    ),
    "providers:application_detail": Entry(
        roles(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER, Role.PROVIDER_USER),
        kwargs={"pk": "__application__"},
    ),
    "providers:decision_letter": Entry(
        roles(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER, Role.PROVIDER_USER),
        kwargs={"pk": "__decision__"},
    ),
    # Provider accounts: pages about `provider` (see _objects), for its own users only.
    "providers:provider_register": Entry(PUBLIC, ok_status_authenticated=302),
    "providers:invitation_accept": Entry(PUBLIC, kwargs={"uidb64": "MQ", "token": "x-y"}),
    "providers:provider_logo": Entry(PUBLIC, kwargs={"pk": "__logo__"}),
    "providers:provider_profile": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__provider__"}),
    "providers:colleagues": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__provider__"}),
    "providers:colleague_remove": Entry(
        roles(Role.PROVIDER_USER), kwargs={"pk": "__provider__", "assignment_pk": "__colleague__"}
    ),
    # Requests for applications of `municipality` (see _objects): a published request with a
    # draft second version. Its procurement officers manage it; the announcement is public;
    # a published version's PDF is for anyone with a role.
    "providers:request_list": Entry(roles(Role.PROCUREMENT_OFFICER)),
    "providers:request_create": Entry(roles(Role.PROCUREMENT_OFFICER)),
    "providers:request_detail": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__request__"}
    ),
    "providers:request_version_create": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__request__"}
    ),
    "providers:request_close": Entry(roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__request__"}),
    "providers:request_version_edit": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_version__"}
    ),
    "providers:request_version_publish": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_version__"}
    ),
    "providers:requirement_section_add": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_version__"}
    ),
    "providers:requirement_section_edit": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_section__"}
    ),
    "providers:requirement_section_delete": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_section__"}
    ),
    "providers:requirement_add": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_section__"}
    ),
    "providers:requirement_edit": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_requirement__"}
    ),
    "providers:requirement_delete": Entry(
        roles(Role.PROCUREMENT_OFFICER), kwargs={"pk": "__draft_requirement__"}
    ),
    "providers:request_document": Entry(roles(*Role), kwargs={"pk": "__published_version__"}),
    "providers:request_announcement": Entry(PUBLIC, kwargs={"pk": "__request__"}),
    "providers:request_announcement_json": Entry(PUBLIC, kwargs={"pk": "__request__"}),
    # Applications: `__draft__` is a draft application of `provider` to a request of
    # `municipality` (its section `__section__`); `__document__` is a document a submitted
    # application of `provider` uses as evidence. Only the provider edits its application; the
    # municipality's reviewers also download the evidence.
    "providers:application_list": Entry(roles(Role.PROVIDER_USER)),
    "providers:application_scope": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__draft__"}),
    "providers:application_section": Entry(
        roles(Role.PROVIDER_USER), kwargs={"pk": "__draft__", "section_pk": "__section__"}
    ),
    "providers:application_submit": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__draft__"}),
    "providers:application_withdraw": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__draft__"}),
    "providers:document_download": Entry(
        roles(Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER, Role.PROVIDER_USER),
        kwargs={"pk": "__document__"},
    ),
    # POST-only endpoints, tested by their own tests.
    "providers:application_start": "POST only: tests/providers/test_applications.py",
    # Contracts: the contract `municipality` made with `provider` (see _objects). The
    # municipality's procurement officers, admins and board reviewers (read only) see it on
    # the municipal side; the provider's users on the provider side.
    "providers:contract_list": Entry(
        roles(Role.PROCUREMENT_OFFICER, Role.BOARD_REVIEWER, Role.MUNICIPAL_ADMIN)
    ),
    "providers:contract_detail": Entry(
        roles(Role.PROCUREMENT_OFFICER, Role.BOARD_REVIEWER, Role.MUNICIPAL_ADMIN),
        kwargs={"pk": "__contract__"},
    ),
    "providers:portal_contract_list": Entry(roles(Role.PROVIDER_USER)),
    "providers:portal_contract_detail": Entry(
        roles(Role.PROVIDER_USER), kwargs={"pk": "__contract__"}
    ),
    "providers:review_start": "POST only: tests/providers/test_decisions.py",
    "providers:assessment_record": "POST only: tests/providers/test_decisions.py",
    "providers:completion_request_create": "POST only: tests/providers/test_decisions.py",
    "providers:decision_record": "POST only: tests/providers/test_decisions.py",
    "providers:contract_warn": "POST only: tests/providers/test_contracts.py",
    "providers:contract_change_status": "POST only: tests/providers/test_contracts.py",
    "accounts:logout": "POST only: tests/lov_portal/accounts/test_login.py",
    "set_language": "POST only: tests/test_i18n.py",
}

# The Django admin's own pages check model permissions per ModelAdmin; the matrix covers its
# entry point, and tests/lov_portal/test_admin.py covers what each admin role may change.
EXCLUDED_NAMESPACES = {"admin"}


def _all_url_names(resolver=None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            names |= _all_url_names(pattern, full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_has_an_entry():
    names = {
        name
        for name in _all_url_names()
        if name.split(":")[0] not in EXCLUDED_NAMESPACES or name == "admin:index"
    }
    missing = sorted(names - MATRIX.keys())
    assert not missing, f"URLs without an access-matrix entry: {missing}"
    stale = sorted(MATRIX.keys() - names)
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"


def test_every_non_public_view_declares_a_permission():
    """Deny by default: a view is either marked login_not_required or checks a named
    permission (rules' PermissionRequiredMixin)."""
    offenders = []
    for name, entry in MATRIX.items():
        if not isinstance(entry, Entry) or name.startswith("admin:"):
            continue
        kwargs = {k: ("1" if str(v).startswith("__") else v) for k, v in entry.kwargs.items()}
        match = get_resolver().resolve(reverse(name, kwargs=kwargs))
        view_class = getattr(match.func, "view_class", None)
        public = getattr(match.func, "login_required", True) is False
        declares = bool(getattr(view_class, "permission_required", None))
        if entry.allowed == PUBLIC:
            if not public:
                offenders.append(f"{name}: public in the matrix but requires login")
        elif not declares:
            offenders.append(f"{name}: no permission_required")
    assert not offenders, offenders


CASES = [
    (name, role)
    for name, entry in MATRIX.items()
    if isinstance(entry, Entry)
    for role in [None, *Role]
]


def _objects(entry: Entry, role_users, municipality, provider) -> dict:
    """Create only the objects this entry's URL needs, and return its kwargs."""
    if {"__citizen__", "__needs_decision__", "__order__"} & set(entry.kwargs.values()):
        import datetime

        from assessments import services as assessment_services
        from tests.factories import ServiceTypeFactory

        assessor = role_users[Role.NEEDS_ASSESSOR]
        citizen = assessment_services.citizen_register(
            identity_number="19121212-1212",
            municipality=municipality,
            first_name="Tolvan",
            last_name="Tolvansson",
            actor=assessor,
        )
        if "__citizen__" in entry.kwargs.values():
            return {"pk": citizen.pk}
        decision = assessment_services.decision_draft_create(
            citizen=citizen,
            valid_from=datetime.date(2026, 12, 1),
            services=[(ServiceTypeFactory(), 10, "hours_per_month")],
            actor=assessor,
        )
        assessment_services.decision_decide(
            decision=decision, decision_date=datetime.date(2026, 11, 23), actor=assessor
        )
        if "__order__" in entry.kwargs.values():
            from tests.factories import ContractFactory

            service = decision.services.get().service_type
            ContractFactory(provider=provider, municipality=municipality, service_types=[service])
            order = assessment_services.choice_record(
                decision=decision,
                service_type=service,
                provider=provider,
                chosen_on=datetime.date(2026, 11, 23),
                actor=assessor,
            )
            return {"pk": order.pk}
        return {"pk": decision.pk}
    if "__contracted__" in entry.kwargs.values():
        from tests.factories import ContractFactory

        contract = ContractFactory(municipality=municipality, provider=provider)
        return {
            k: (contract.provider_id if v == "__contracted__" else v)
            for k, v in entry.kwargs.items()
        }
    if "__event__" in entry.kwargs.values():
        event = AuditEvent.objects.create(action="read", object_repr="matrix")
        return dict.fromkeys(entry.kwargs, event.pk)
    if {"__application__", "__decision__", "__contract__"} & set(entry.kwargs.values()):
        from django.core.files.base import ContentFile

        from tests.providers.conftest import decided_application

        application = decided_application(
            municipality=municipality,
            provider=provider,
            provider_user=role_users[Role.PROVIDER_USER],
            reviewer=role_users[Role.BOARD_REVIEWER],
            procurement=role_users[Role.PROCUREMENT_OFFICER],
        )
        decision = application.municipalities.get()
        decision.letter.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        ids = {
            "__application__": application.pk,
            "__decision__": decision.pk,
            "__contract__": decision.contract.pk,
        }
        return {k: ids[v] for k, v in entry.kwargs.items()}
    if {"__provider__", "__logo__"} & set(entry.kwargs.values()):
        from django.core.files.base import ContentFile

        from tests.factories import user_with_role

        ids = {"__provider__": provider.pk, "__logo__": provider.pk}
        if "__logo__" in entry.kwargs.values():
            provider.logo.save("matrix.png", ContentFile(b"\x89PNG\r\n\x1a\nmatrix"), save=True)
        if "__colleague__" in entry.kwargs.values():
            colleague = user_with_role(Role.PROVIDER_USER, provider=provider)
            ids["__colleague__"] = colleague.role_assignments.get().pk
        return {k: ids.get(v, v) for k, v in entry.kwargs.items()}
    request_placeholders = {
        "__request__",
        "__draft_version__",
        "__draft_section__",
        "__draft_requirement__",
        "__published_version__",
    }
    if request_placeholders & set(entry.kwargs.values()):
        from django.core.files.base import ContentFile

        from providers.constants import VersionStatus
        from providers.services import request_version_create
        from tests.factories import published_request

        officer = role_users[Role.PROCUREMENT_OFFICER]
        request = published_request(municipalities=[municipality], actor=officer)
        published = request.versions.get(status=VersionStatus.PUBLISHED)
        published.document.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        draft = request_version_create(request=request, actor=officer)
        section = draft.sections.first()
        ids = {
            "__request__": request.pk,
            "__draft_version__": draft.pk,
            "__draft_section__": section.pk,
            "__draft_requirement__": section.requirements.first().pk,
            "__published_version__": published.pk,
        }
        return {k: ids[v] for k, v in entry.kwargs.items()}
    if {"__draft__", "__section__", "__document__"} & set(entry.kwargs.values()):
        from tests.providers.conftest import application_with_document

        application, document = application_with_document(
            municipality=municipality,
            provider=provider,
            provider_user=role_users[Role.PROVIDER_USER],
            procurement=role_users[Role.PROCUREMENT_OFFICER],
            submit="__document__" in entry.kwargs.values(),
        )
        ids = {
            "__draft__": application.pk,
            "__section__": application.version.sections.get().pk,
            "__document__": document.pk,
        }
        return {k: ids[v] for k, v in entry.kwargs.items()}
    return dict(entry.kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r or 'anonymous'}" for n, r in CASES])
def test_access(client, role_users, municipality, provider, name, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = MATRIX[name]
    kwargs = _objects(entry, role_users, municipality, provider)
    url = reverse(name, kwargs=kwargs)
    if role is not None:
        client.force_login(role_users[role])

    # Admin requests follow redirects: the admin goes through its own login URL first.
    response = client.get(url, follow=name.startswith("admin:"))

    if entry.allowed == PUBLIC:
        allowed = True
    elif entry.allowed == ANY_USER:
        allowed = role is not None
    else:
        allowed = role in entry.allowed

    if allowed:
        expected = entry.ok_status
        if role is not None and entry.ok_status_authenticated is not None:
            expected = entry.ok_status_authenticated
        assert response.status_code == expected, (name, role, response.status_code)
    elif role is None:
        chain = getattr(response, "redirect_chain", None)
        final_url = chain[-1][0] if chain else response.url
        assert final_url.startswith(reverse("accounts:login")), final_url
    else:
        assert response.status_code in (403, 404), (name, role, response.status_code)
