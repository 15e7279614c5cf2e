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
    # Invoice runs of `municipality` with a basis for `provider` (see _objects): its finance
    # officers run them; the provider sees its own basis.
    "billing:run_list": Entry(roles(Role.FINANCE_OFFICER)),
    "billing:run_detail": Entry(roles(Role.FINANCE_OFFICER), kwargs={"pk": "__run__"}),
    "billing:run_progress": Entry(roles(Role.FINANCE_OFFICER), kwargs={"pk": "__run__"}),
    "billing:run_approve": "POST only: tests/billing/test_run_views.py",
    "billing:run_recompute": "POST only: tests/billing/test_run_views.py",
    "billing:run_correct": "POST only: tests/billing/test_run_views.py",
    "billing:run_restart": "POST only: tests/billing/test_run_views.py",
    "billing:basis_list": Entry(roles(Role.FINANCE_OFFICER, Role.PROVIDER_USER)),
    "billing:basis_detail": Entry(
        roles(Role.FINANCE_OFFICER, Role.PROVIDER_USER), kwargs={"pk": "__basis__"}
    ),
    "billing:line_dispute": "POST only: tests/billing/test_run_views.py",
    "billing:dispute_answer": "POST only: tests/billing/test_run_views.py",
    # Rates and rules of `municipality` (see _objects): its finance officers only. The matrix's
    # rate starts in the future, so it may be edited in place.
    "billing:rate_list": Entry(roles(Role.FINANCE_OFFICER)),
    "billing:rate_create": Entry(roles(Role.FINANCE_OFFICER)),
    "billing:rate_update": Entry(roles(Role.FINANCE_OFFICER), kwargs={"pk": "__rate__"}),
    "billing:rate_supersede": Entry(roles(Role.FINANCE_OFFICER), kwargs={"pk": "__rate__"}),
    "billing:rules": Entry(roles(Role.FINANCE_OFFICER)),
    "billing:rules_create": Entry(roles(Role.FINANCE_OFFICER)),
    "billing:rules_detail": Entry(roles(Role.FINANCE_OFFICER), kwargs={"pk": "__rules__"}),
    "billing:reconciliation": Entry(roles(Role.FINANCE_OFFICER)),
    "billing:reconciliation_csv": Entry(roles(Role.FINANCE_OFFICER)),
    # Documents of a run in `municipality` with a basis for `provider` (see _objects): the
    # basis for the municipality's finance officers and the provider's users, the run's SIE
    # file for finance officers only.
    "billing:basis_pdf": Entry(
        roles(Role.FINANCE_OFFICER, Role.PROVIDER_USER), kwargs={"pk": "__basis__"}
    ),
    "billing:basis_ubl": Entry(
        roles(Role.FINANCE_OFFICER, Role.PROVIDER_USER), kwargs={"pk": "__basis__"}
    ),
    "billing:basis_csv": Entry(
        roles(Role.FINANCE_OFFICER, Role.PROVIDER_USER), kwargs={"pk": "__basis__"}
    ),
    "billing:run_sie": Entry(roles(Role.FINANCE_OFFICER), kwargs={"pk": "__run__"}),
    # Performed time of `provider` (see _objects): its own users only.
    "provider_time:home": Entry(roles(Role.PROVIDER_USER)),
    "provider_time:import_detail": Entry(
        roles(Role.PROVIDER_USER), kwargs={"pk": "__visit_import__"}
    ),
    "provider_time:visit_list": Entry(roles(Role.PROVIDER_USER)),
    "provider_time:visit_edit": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__visit__"}),
    "provider_time:api_tokens": Entry(roles(Role.PROVIDER_USER)),
    "provider_time:api_token_revoke": "POST only: tests/billing/test_visits.py",
    "billing_api:visits": "POST only (bearer token, no session): tests/billing/test_visits.py",
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
    # Quality follow-up: reports
    # A finished quality report of `municipality` (see _objects): its quality officers only.
    # Another municipality's officers, a cooperation's members and providers:
    # tests/followup/test_reports_views.py.
    "followup:report_list": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:report_detail": Entry(
        roles(Role.QUALITY_OFFICER), kwargs={"pk": "__quality_report__"}
    ),
    "followup:report_progress": Entry(
        roles(Role.QUALITY_OFFICER), kwargs={"pk": "__quality_report__"}
    ),
    "followup:report_download": Entry(
        roles(Role.QUALITY_OFFICER), kwargs={"pk": "__quality_report__"}
    ),
    # Quality follow-up: visits. A carried-out visit of `provider` by `municipality` with a
    # finding awaiting an action plan (see _objects): the municipality's quality officers see
    # the visit and finding, the provider's users its own finding. Another municipality's
    # officer, a provider that does not own it, and the POST-only URLs (every role, anonymous):
    # tests/followup/test_visits_views.py.
    "followup:visit_list": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:visit_plan": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:visit_detail": Entry(roles(Role.QUALITY_OFFICER), kwargs={"pk": "__fu_visit__"}),
    "followup:finding_detail": Entry(roles(Role.QUALITY_OFFICER), kwargs={"pk": "__fu_finding__"}),
    "provider_followup:finding_list": Entry(roles(Role.PROVIDER_USER)),
    "provider_followup:finding_detail": Entry(
        roles(Role.PROVIDER_USER), kwargs={"pk": "__fu_finding__"}
    ),
    "followup:checklist_save": "POST only: tests/followup/test_visits_views.py",
    "followup:checklist_item_add": "POST only: tests/followup/test_visits_views.py",
    "followup:finding_add": "POST only: tests/followup/test_visits_views.py",
    "followup:visit_carry_out": "POST only: tests/followup/test_visits_views.py",
    "followup:visit_close": "POST only: tests/followup/test_visits_views.py",
    "followup:visit_cancel": "POST only: tests/followup/test_visits_views.py",
    "followup:plan_accept": "POST only: tests/followup/test_visits_views.py",
    "followup:plan_return": "POST only: tests/followup/test_visits_views.py",
    # Quality follow-up: stats
    # The board statistics of `municipality` (Tanum, 1435): its board reviewers, quality
    # officers and municipal admins; the index sends them on to their own municipality.
    # Another municipality's users: tests/followup/test_stats.py.
    "followup:statistics": Entry(
        roles(Role.BOARD_REVIEWER, Role.QUALITY_OFFICER, Role.MUNICIPAL_ADMIN), ok_status=302
    ),
    "followup:statistics_year": Entry(
        roles(Role.BOARD_REVIEWER, Role.QUALITY_OFFICER, Role.MUNICIPAL_ADMIN),
        kwargs={"code": "1435", "year": 2025},
    ),
    "followup:statistics_csv": Entry(
        roles(Role.BOARD_REVIEWER, Role.QUALITY_OFFICER, Role.MUNICIPAL_ADMIN),
        kwargs={"code": "1435", "year": 2025},
    ),
    # Quality follow-up: surveys. Results and imports of `municipality`: its quality officers.
    "followup:survey_results": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:survey_import": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:survey_import_detail": Entry(
        roles(Role.QUALITY_OFFICER), kwargs={"pk": "__survey_import__"}
    ),
    "followup:survey_result_add": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:survey_result_edit": Entry(
        roles(Role.QUALITY_OFFICER), kwargs={"pk": "__survey_result__"}
    ),
    "followup:own_survey_list": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:own_survey_create": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:own_survey_detail": Entry(
        roles(Role.QUALITY_OFFICER), kwargs={"pk": "__own_survey__"}
    ),
    # A customer's answer page: no login; an unknown (or used) link is 404 for everyone.
    "followup_public:own_survey_answer": Entry(
        PUBLIC, kwargs={"token": "no-such-link"}, ok_status=404
    ),
    # Quality follow-up: cases. `__case__` is a complaint about `provider` in `municipality`
    # (see _objects): its quality officers handle it, the provider sees it; the public form
    # needs no login. Another municipality's officer and another provider:
    # tests/followup/test_cases_access.py.
    "followup:case_list": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:case_register": Entry(roles(Role.QUALITY_OFFICER)),
    "followup:case_detail": Entry(roles(Role.QUALITY_OFFICER), kwargs={"pk": "__case__"}),
    "followup:case_assign": "POST only: tests/followup/test_cases_views.py",
    "followup:case_transition": "POST only: tests/followup/test_cases_views.py",
    "provider_followup:case_list": Entry(roles(Role.PROVIDER_USER)),
    "provider_followup:case_report": Entry(roles(Role.PROVIDER_USER)),
    "provider_followup:case_detail": Entry(roles(Role.PROVIDER_USER), kwargs={"pk": "__case__"}),
    "followup_public:complaint_start": Entry(PUBLIC),
    "followup_public:complaint_receipt": Entry(PUBLIC),
    "followup_public:complaint_form": Entry(PUBLIC, kwargs={"code": "1435"}),
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
    if {"__visit_import__", "__visit__"} & set(entry.kwargs.values()):
        return _visit_objects(entry, role_users, municipality, provider)
    if "__contracted__" in entry.kwargs.values():
        from tests.factories import ContractFactory

        contract = ContractFactory(municipality=municipality, provider=provider)
        return {
            k: (contract.provider_id if v == "__contracted__" else v)
            for k, v in entry.kwargs.items()
        }
    if {"__rate__", "__rules__"} & set(entry.kwargs.values()):
        import datetime

        from tests.billing.rates_factories import BillingRulesFactory, RateFactory

        ids = {
            "__rate__": RateFactory(
                municipality=municipality, valid_from=datetime.date(2100, 1, 1)
            ).pk,
            "__rules__": BillingRulesFactory(municipality=municipality).pk,
        }
        return {k: ids[v] for k, v in entry.kwargs.items()}
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
    if {"__basis__", "__run__"} & set(entry.kwargs.values()):
        from tests.billing.document_factories import basis_with_lines

        basis = basis_with_lines(3, municipality=municipality, provider=provider)
        ids = {"__basis__": basis.pk, "__run__": basis.run_id}
        return {k: ids[v] for k, v in entry.kwargs.items()}
    if "__quality_report__" in entry.kwargs.values():
        from django.core.files.base import ContentFile

        from followup.constants import ReportStatus
        from tests.followup.factories import QualityReportFactory

        report = QualityReportFactory(
            municipality=municipality,
            status=ReportStatus.DONE,
            requested_by=role_users[Role.QUALITY_OFFICER],
        )
        report.pdf.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        return dict.fromkeys(entry.kwargs, report.pk)
    # Quality follow-up: visits
    if {"__fu_visit__", "__fu_finding__"} & set(entry.kwargs.values()):
        import datetime

        from django.utils import timezone

        from followup import services as followup_services
        from tests.followup.factories import contract_with_requirements

        officer = role_users[Role.QUALITY_OFFICER]
        contract_with_requirements(municipality=municipality, provider=provider)
        visit = followup_services.visit_plan(
            municipality=municipality,
            provider=provider,
            kind="routine",
            planned_on=timezone.localdate(),
            actor=officer,
        )
        finding = followup_services.finding_add(
            visit=visit,
            text="Genomförandeplaner saknas",
            severity="medium",
            plan_deadline=timezone.localdate() + datetime.timedelta(days=30),
            actor=officer,
        )
        followup_services.visit_carry_out(
            visit=visit, carried_out_on=timezone.localdate(), summary="Matris", actor=officer
        )
        ids = {"__fu_visit__": visit.pk, "__fu_finding__": finding.pk}
        return {k: ids[v] for k, v in entry.kwargs.items()}
    # Quality follow-up: surveys
    if "__own_survey__" in entry.kwargs.values():
        from followup import services as followup_services
        from tests.factories import ServiceTypeFactory

        survey = followup_services.own_survey_create(
            municipality=municipality,
            provider=provider,
            service_type=ServiceTypeFactory(),
            year=2026,
            title="Matrisenkät",
            questions=[("Hur nöjd är du?", None)],
            actor=role_users[Role.QUALITY_OFFICER],
        )
        return dict.fromkeys(entry.kwargs, survey.pk)
    if {"__survey_result__", "__survey_import__"} & set(entry.kwargs.values()):
        from followup.models import SurveyImport
        from tests.followup.factories import SurveyResultFactory

        officer = role_users[Role.QUALITY_OFFICER]
        result = SurveyResultFactory(municipality=municipality, provider=provider)
        survey_import = SurveyImport.objects.create(
            municipality=municipality, year=2026, file_name="enkat.csv", imported_by=officer
        )
        ids = {"__survey_result__": result.pk, "__survey_import__": survey_import.pk}
        return {k: ids[v] for k, v in entry.kwargs.items()}
    # Quality follow-up: cases
    if "__case__" in entry.kwargs.values():
        from tests.followup.factories import CaseFactory

        case = CaseFactory(municipality=municipality, provider=provider)
        return {k: (case.pk if v == "__case__" else v) for k, v in entry.kwargs.items()}
    return dict(entry.kwargs)


def _visit_objects(entry: Entry, role_users, municipality, provider) -> dict:
    """A delivery and a visit of `provider`, on an order for a citizen of `municipality`."""
    import datetime

    from assessments import services as assessment_services
    from billing.services import visit_import_rows
    from tests.factories import ContractFactory, ServiceTypeFactory

    assessor = role_users[Role.NEEDS_ASSESSOR]
    citizen = assessment_services.citizen_register(
        identity_number="19121212-1212",
        municipality=municipality,
        first_name="Tolvan",
        last_name="Tolvansson",
        actor=assessor,
    )
    service = ServiceTypeFactory()
    decision = assessment_services.decision_draft_create(
        citizen=citizen,
        valid_from=datetime.date(2026, 12, 1),
        services=[(service, 10, "hours_per_month")],
        actor=assessor,
    )
    assessment_services.decision_decide(
        decision=decision, decision_date=datetime.date(2026, 11, 23), actor=assessor
    )
    ContractFactory(provider=provider, municipality=municipality, service_types=[service])
    order = assessment_services.choice_record(
        decision=decision,
        service_type=service,
        provider=provider,
        chosen_on=datetime.date(2026, 11, 23),
        actor=assessor,
    )
    row = {
        "visit_id": "M1",
        "order": order.reference,
        "date": "2026-12-01",
        "start": "08:00",
        "end": "09:00",
        "staff": 1,
        "kind": "utford",
    }
    batch = visit_import_rows(provider=provider, rows=[row], source="api", actor=None)
    ids = {"__visit_import__": batch.pk, "__visit__": batch.visits.get().pk}
    return {k: ids[v] for k, v in entry.kwargs.items()}


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


# Quality follow-up: every follow-up URL about one object (a visit, finding, case, result,
# import, survey or report of `municipality` and `provider`) is closed to the outsiders the
# issue names: a quality officer of a municipality outside the cooperation and a provider user
# of another provider. Both get 403 or 404, never the page.
FOLLOWUP_OBJECT_URLS = sorted(
    name
    for name, entry in MATRIX.items()
    if isinstance(entry, Entry)
    and name.split(":")[0] in {"followup", "provider_followup"}
    and any(str(value).startswith("__") for value in entry.kwargs.values())
)
OUTSIDERS = ["other_municipality_quality_officer", "other_provider_user"]


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("name", FOLLOWUP_OBJECT_URLS)
def test_followup_objects_are_closed_to_outsiders(
    client, role_users, municipality, provider, name, outsider, settings, tmp_path
):
    from tests.factories import MunicipalityFactory, ProviderFactory, user_with_role

    settings.MEDIA_ROOT = tmp_path
    kwargs = _objects(MATRIX[name], role_users, municipality, provider)
    if outsider == "other_municipality_quality_officer":
        user = user_with_role(Role.QUALITY_OFFICER, municipality=MunicipalityFactory())
    else:
        user = user_with_role(Role.PROVIDER_USER, provider=ProviderFactory())
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code in (403, 404), (name, outsider, response.status_code)


def test_every_followup_object_url_is_checked_for_outsiders():
    assert len(FOLLOWUP_OBJECT_URLS) >= 10, FOLLOWUP_OBJECT_URLS
