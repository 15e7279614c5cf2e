"""Writes of the providers app: `<entity>_<verb>(*, ..., actor)`, atomic, audited.

Every status change goes through lov_portal.core.workflow.transition with the tables in
providers.constants; notifications and PDFs run after commit as Celery tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.validators import normalise_organisation_number
from lov_portal.core.workflow import transition

from . import tasks
from .constants import (
    APPLICATION_TRANSITIONS,
    CONTRACT_TRANSITIONS,
    DECISION_TRANSITIONS,
    REQUEST_TRANSITIONS,
    VERSION_TRANSITIONS,
    ApplicationStatus,
    ContractEventKind,
    ContractStatus,
    DecisionStatus,
    EvidenceKind,
    RequestStatus,
    VersionStatus,
)
from .models import (
    Answer,
    Application,
    ApplicationMunicipality,
    Assessment,
    CompletionRequest,
    Contract,
    ContractEvent,
    Document,
    ExpiryReminder,
    Provider,
    RequestForApplications,
    RequestVersion,
    Requirement,
    RequirementSection,
    StatusChange,
)

EDITABLE_APPLICATION = {ApplicationStatus.DRAFT, ApplicationStatus.COMPLETION_REQUESTED}


def _may(permission: str):
    return lambda actor, obj: actor.has_perm(permission, obj)


def _history(actor, comment: str = ""):
    def record(obj, from_status, to_status):
        return StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            from_status=from_status,
            to_status=to_status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            comment=comment,
        )

    return record


def _require(actor, permission: str, obj) -> None:
    if actor is not None and not actor.has_perm(permission, obj):
        raise PermissionDenied


def _workflow(table):
    """The transition service of one workflow: its table, history and audit, one permission
    per move (e.g. the provider submits, a reviewer asks for completion)."""

    def move(obj, to, actor, permission: str, *, comment: str = "", **kwargs):
        return transition(
            obj=obj,
            to=to,
            actor=actor,
            allowed=table,
            history=_history(actor, comment),
            may=_may(permission),
            comment=comment,
            **kwargs,
        )

    return move


request_transition = _workflow(REQUEST_TRANSITIONS)
version_transition = _workflow(VERSION_TRANSITIONS)
application_transition = _workflow(APPLICATION_TRANSITIONS)
decision_transition = _workflow(DECISION_TRANSITIONS)
contract_transition = _workflow(CONTRACT_TRANSITIONS)


# --- Providers -----------------------------------------------------------------------------


@transaction.atomic
def provider_upsert(*, organisation_number: str, actor, **fields) -> Provider:
    """Create or update a provider keyed on its organisation number."""
    provider = Provider(organisation_number=organisation_number, **fields)
    provider.full_clean(validate_unique=False)
    provider, created = Provider.objects.update_or_create(
        organisation_number=normalise_organisation_number(organisation_number), defaults=fields
    )
    if created:
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=provider)
    return provider


# --- Requests for applications ---------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    reference: str,
    title: str,
    actor,
    owner_municipality=None,
    owner_cooperation=None,
    description: str = "",
    payment_basis: str,
    service_types=(),
    areas=(),
) -> RequestForApplications:
    request = RequestForApplications(
        reference=reference,
        owner_municipality=owner_municipality,
        owner_cooperation=owner_cooperation,
    )
    request.full_clean()
    request.save()
    _require(actor, "providers.manage_request", request)
    _require_owner_areas(request, areas)
    version = RequestVersion.objects.create(
        request=request,
        number=1,
        title=title,
        description=description,
        payment_basis=payment_basis,
    )
    version.service_types.set(service_types)
    version.areas.set(areas)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=request)
    return request


def _require_draft(version: RequestVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("A published version cannot be changed. Create a new version instead."),
            code="published",
        )


@transaction.atomic
def requirement_section_add(*, version: RequestVersion, title: str, actor) -> RequirementSection:
    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    ordering = version.sections.count()
    return RequirementSection.objects.create(version=version, title=title, ordering=ordering)


@transaction.atomic
def requirement_add(
    *,
    section: RequirementSection,
    text: str,
    evidence_kind: str,
    actor,
    max_age_days: int | None = None,
    tracks_expiry: bool = False,
) -> Requirement:
    _require(actor, "providers.manage_request", section.version)
    _require_draft(section.version)
    if max_age_days is not None and evidence_kind != EvidenceKind.DATE:
        raise ValidationError(_("A maximum age applies only to date evidence."), code="max_age")
    return Requirement.objects.create(
        section=section,
        text=text,
        evidence_kind=evidence_kind,
        max_age_days=max_age_days,
        tracks_expiry=tracks_expiry,
        ordering=section.requirements.count(),
    )


def _publish_version(version: RequestVersion, actor) -> None:
    if not Requirement.objects.filter(section__version=version).exists():
        raise ValidationError(
            _("Add at least one requirement before publishing."), code="no_requirements"
        )
    previous = RequestVersion.objects.filter(
        request=version.request, status=VersionStatus.PUBLISHED
    ).first()
    if previous is not None:
        version_transition(
            previous,
            VersionStatus.SUPERSEDED,
            actor,
            "providers.manage_request",
        )
    version_transition(
        version,
        VersionStatus.PUBLISHED,
        actor,
        "providers.manage_request",
        changes={"published_at": timezone.now()},
    )


@transaction.atomic
def request_publish(*, request: RequestForApplications, actor) -> RequestForApplications:
    """Publish a draft request with its first version; applications may then come in."""
    version = request.versions.get(status=VersionStatus.DRAFT)
    _publish_version(version, actor)
    return request_transition(
        request,
        RequestStatus.PUBLISHED,
        actor,
        "providers.manage_request",
    )


@transaction.atomic
def request_version_create(*, request: RequestForApplications, actor) -> RequestVersion:
    """A change to a published request: a new draft version copied from the current one."""
    _require(actor, "providers.manage_request", request)
    if request.status != RequestStatus.PUBLISHED:
        raise ValidationError(
            _("Only a published request can get a new version."), code="not_published"
        )
    if request.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError(_("There is already a draft version."), code="draft_exists")
    current = request.versions.get(status=VersionStatus.PUBLISHED)
    new = RequestVersion.objects.create(
        request=request,
        number=request.versions.count() + 1,
        title=current.title,
        description=current.description,
        payment_basis=current.payment_basis,
        # Stored files are never changed or deleted: the new version starts with the same PDF.
        document=current.document.name,
    )
    new.service_types.set(current.service_types.all())
    new.areas.set(current.areas.all())
    for section in current.sections.prefetch_related("requirements"):
        copy = RequirementSection.objects.create(
            version=new, title=section.title, ordering=section.ordering
        )
        Requirement.objects.bulk_create(
            [
                Requirement(
                    section=copy,
                    text=r.text,
                    evidence_kind=r.evidence_kind,
                    max_age_days=r.max_age_days,
                    tracks_expiry=r.tracks_expiry,
                    ordering=r.ordering,
                )
                for r in section.requirements.all()
            ]
        )
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=new)
    return new


@transaction.atomic
def request_version_publish(*, version: RequestVersion, actor) -> RequestVersion:
    """Publish a new version of an already published request; earlier applications keep
    the version they answered."""
    if version.request.status != RequestStatus.PUBLISHED:
        raise ValidationError(_("Publish the request first."), code="not_published")
    _publish_version(version, actor)
    return version


@transaction.atomic
def request_close(*, request: RequestForApplications, actor) -> RequestForApplications:
    return request_transition(
        request,
        RequestStatus.CLOSED,
        actor,
        "providers.manage_request",
    )


# --- Applications ----------------------------------------------------------------------------


@transaction.atomic
def application_start(*, provider: Provider, version: RequestVersion, actor) -> Application:
    if (
        version.status != VersionStatus.PUBLISHED
        or version.request.status != RequestStatus.PUBLISHED
    ):
        raise ValidationError(
            _("This request for applications is not open for applications."), code="closed"
        )
    application = Application(provider=provider, version=version)
    _require(actor, "providers.edit_application", application)
    existing = Application.objects.filter(provider=provider, version=version).exclude(
        status=ApplicationStatus.WITHDRAWN
    )
    if existing.exists():
        return existing.get()
    application.save()
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=application)
    return application


def _require_editable(application: Application, actor) -> None:
    _require(actor, "providers.edit_application", application)
    if application.status not in EDITABLE_APPLICATION:
        raise ValidationError(
            _("A submitted application cannot be changed until the municipality asks for more."),
            code="frozen",
        )


@transaction.atomic
def application_scope_save(
    *,
    application: Application,
    capacities: dict,
    service_types,
    areas,
    actor,
) -> Application:
    """Which municipalities (with a capacity ceiling each), services and areas it applies for.

    capacities: {municipality: (value or None, unit)}.
    """
    _require_editable(application, actor)
    open_municipalities = application.version.request.municipality_ids
    for municipality in capacities:
        if municipality.pk not in open_municipalities:
            raise ValidationError(
                _("The request is not open in %(municipality)s.")
                % {"municipality": municipality.name}
            )
    allowed_areas = set(application.version.areas.values_list("pk", flat=True))
    if any(area.pk not in allowed_areas for area in areas):
        raise ValidationError(_("An area you chose is not open for application."))
    application.service_types.set(service_types)
    application.areas.set(areas)
    application.municipalities.exclude(municipality__in=list(capacities)).delete()
    for municipality, (value, unit) in capacities.items():
        ApplicationMunicipality.objects.update_or_create(
            application=application,
            municipality=municipality,
            defaults={"capacity_value": value, "capacity_unit": unit},
        )
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=application)
    return application


@transaction.atomic
def document_store(*, provider: Provider, uploaded_file, actor) -> Document:
    """Store a file that lov_portal.core.uploads has already validated (type, size, name)."""
    from lov_portal.core.uploads import private_storage, upload_to_path

    _require(actor, "providers.edit_application", provider)
    validated = uploaded_file.validated
    path = private_storage.save(
        upload_to_path(f"providers/{provider.pk}", validated), uploaded_file
    )
    document = Document.objects.create(
        provider=provider,
        file=path,
        original_name=validated.safe_name,
        content_type=validated.content_type,
        size=validated.size,
        sha256=validated.sha256,
        uploaded_by=actor,
    )
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=document)
    return document


@transaction.atomic
def answer_save(
    *,
    application: Application,
    requirement: Requirement,
    actor,
    declaration: bool | None = None,
    text: str = "",
    date_value: date | None = None,
    document: Document | None = None,
    expires_on: date | None = None,
) -> Answer:
    _require_editable(application, actor)
    if requirement.section.version_id != application.version_id:
        raise ValidationError(_("The requirement belongs to another version."))
    if document is not None and document.provider_id != application.provider_id:
        raise PermissionDenied
    answer, _created = Answer.objects.get_or_create(
        application=application, requirement=requirement
    )
    answer.declaration = declaration
    answer.text = text
    answer.date = date_value
    if document is not None:
        answer.document = document
    answer.expires_on = expires_on
    answer.save()
    # A changed answer must be assessed again.
    Assessment.objects.filter(answer=answer).delete()
    return answer


def application_missing(application: Application, *, today: date | None = None) -> list[str]:
    """Every reason the application cannot be submitted yet, naming the requirement."""
    return [problem.message for problem in application_problems(application, today=today)]


@transaction.atomic
def application_submit(*, application: Application, actor) -> Application:
    """Submit (or, after a completion request, resubmit): the answers freeze."""
    problems = application_missing(application)
    if problems:
        raise ValidationError(problems, code="incomplete")
    now = timezone.now()
    changes = {"waiting_since": now}
    if application.submitted_at is None:
        changes["submitted_at"] = now
    resubmission = application.status == ApplicationStatus.COMPLETION_REQUESTED
    result = application_transition(
        application,
        ApplicationStatus.SUBMITTED,
        actor,
        "providers.edit_application",
        changes=changes,
        on_commit=lambda a: tasks.notify_application.delay(
            a.pk, "resubmitted" if resubmission else "submitted"
        ),
    )
    return result


@transaction.atomic
def application_review_start(*, application: Application, actor) -> Application:
    return application_transition(
        application,
        ApplicationStatus.IN_REVIEW,
        actor,
        "providers.review_application",
    )


@transaction.atomic
def assessment_record(*, answer: Answer, result: str, comment: str = "", actor) -> Assessment:
    application = answer.application
    _require(actor, "providers.review_application", application)
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError(_("Start the review before assessing."), code="not_in_review")
    assessment, _created = Assessment.objects.update_or_create(
        answer=answer, defaults={"result": result, "comment": comment, "assessed_by": actor}
    )
    audit_event_record(
        actor=actor, action=AuditAction.UPDATE, obj=application, message=f"{answer}: {result}"
    )
    return assessment


@transaction.atomic
def completion_request_create(
    *, application: Application, message: str, actor
) -> CompletionRequest:
    if not message.strip():
        raise ValidationError(_("Say what is missing."), code="required")
    application_transition(
        application,
        ApplicationStatus.COMPLETION_REQUESTED,
        actor,
        "providers.review_application",
        comment=message,
        changes={"waiting_since": None},
        on_commit=lambda a: tasks.notify_application.delay(a.pk, "completion_requested"),
    )
    return CompletionRequest.objects.create(
        application=application, message=message, requested_by=actor
    )


@transaction.atomic
def completion_request_reply(
    *, completion_request: CompletionRequest, reply: str, actor
) -> CompletionRequest:
    application = completion_request.application
    _require_editable(application, actor)
    completion_request.reply = reply
    completion_request.replied_at = timezone.now()
    completion_request.save(update_fields=["reply", "replied_at"])
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=application, message="reply")
    return completion_request


@transaction.atomic
def application_decide(
    *,
    application_municipality: ApplicationMunicipality,
    approve: bool,
    decision_date: date,
    board_reference: str,
    reasons: str,
    actor,
) -> ApplicationMunicipality:
    """One municipality's board decides; approval creates that municipality's contract."""
    application = application_municipality.application
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError(_("Only an application in review can be decided."))
    if not approve and not reasons.strip():
        raise ValidationError(
            {"reasons": _("A rejection must give its reasons (the provider may appeal).")}
        )
    decided = decision_transition(
        application_municipality,
        DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED,
        actor,
        "providers.decide_application",
        comment=reasons,
        changes={
            "decision_date": decision_date,
            "board_reference": board_reference,
            "reasons": reasons,
            "decided_by": actor,
        },
        on_commit=lambda d: tasks.render_decision_letter.delay(d.pk),
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.DECISION,
        obj=decided,
        message="approved" if approve else "rejected",
    )
    if approve:
        _contract_create(decided, actor)
    if not application.municipalities.filter(status=DecisionStatus.PENDING).exists():
        application_transition(
            application,
            ApplicationStatus.DECIDED,
            actor,
            "providers.view_application",
            changes={"waiting_since": None},
        )
    return decided


@transaction.atomic
def application_withdraw(*, application: Application, actor) -> Application:
    return application_transition(
        application,
        ApplicationStatus.WITHDRAWN,
        actor,
        "providers.edit_application",
        changes={"waiting_since": None},
    )


# --- Contracts -------------------------------------------------------------------------------


def _contract_create(decided: ApplicationMunicipality, actor) -> Contract:
    application = decided.application
    contract = Contract.objects.create(
        provider=application.provider,
        municipality=decided.municipality,
        application_municipality=decided,
        request=application.version.request,
        capacity_value=decided.capacity_value,
        capacity_unit=decided.capacity_unit,
        valid_from=decided.decision_date,
    )
    contract.service_types.set(application.service_types.all())
    contract.areas.set(application.areas.filter(municipality=decided.municipality))
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=contract)
    return contract


@transaction.atomic
def contract_warn(*, contract: Contract, reason: str, actor) -> ContractEvent:
    _require(actor, "providers.manage_contract", contract)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    event = ContractEvent.objects.create(
        contract=contract, kind=ContractEventKind.WARNING, reason=reason, actor=actor
    )
    audit_event_record(actor=actor, action=AuditAction.DECISION, obj=contract, message="warning")
    return event


_CONTRACT_EVENT_FOR = {
    ContractStatus.SUSPENDED: ContractEventKind.SUSPENSION,
    ContractStatus.ACTIVE: ContractEventKind.REACTIVATION,
    ContractStatus.TERMINATED: ContractEventKind.TERMINATION,
}


@transaction.atomic
def contract_change_status(*, contract: Contract, to: str, reason: str, actor) -> Contract:
    """Suspend, reactivate or terminate a contract, always with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    changed = contract_transition(
        contract,
        to,
        actor,
        "providers.manage_contract",
        comment=reason,
        changes={"status_reason": reason},
    )
    ContractEvent.objects.create(
        contract=contract, kind=_CONTRACT_EVENT_FOR[to], reason=reason, actor=actor
    )
    return changed


def expiry_reminders_send(*, today: date) -> int:
    """E-mail each provider, at most once a day, the evidence that expires within 30 days.
    Returns the number of providers reminded."""
    from .notifications import expiry_notify
    from .selectors import expiring_evidence

    by_provider: dict[int, list[Answer]] = {}
    for answer in expiring_evidence(today=today):
        by_provider.setdefault(answer.application.provider_id, []).append(answer)
    reminded = 0
    for provider_id, answers in by_provider.items():
        with transaction.atomic():
            _reminder, created = ExpiryReminder.objects.get_or_create(
                provider_id=provider_id, sent_on=today, defaults={"answer_count": len(answers)}
            )
            if not created:
                continue
            transaction.on_commit(
                lambda pid=provider_id, a=answers: expiry_notify(provider_id=pid, answers=a)
            )
            reminded += 1
    return reminded


# --- In-house providers ----------------------------------------------------------------------


@transaction.atomic
def contract_create_in_house(
    *, provider: Provider, service_types, areas, valid_from: date, request=None, actor
) -> Contract:
    """The contract of a municipality's own provider: in-house units are not approved by an
    application, but are registered with the same services, areas and follow-up as any other."""
    if not provider.is_in_house:
        raise ValidationError(_("Only an in-house provider gets a contract this way."))
    contract = Contract(
        provider=provider,
        municipality=provider.in_house_municipality,
        request=request,
        valid_from=valid_from,
    )
    _require(actor, "providers.manage_contract", contract)
    contract.save()
    contract.service_types.set(service_types)
    foreign = [a for a in areas if a.municipality_id != provider.in_house_municipality_id]
    if foreign:
        raise ValidationError(_("An in-house provider serves only its own municipality's areas."))
    contract.areas.set(areas)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=contract)
    return contract


# --- accounts ---

# Shared by the forms (checked early, as a field error) and the services (checked again).
ORGANISATION_NUMBER_TAKEN = gettext_lazy(
    "A provider with this organisation number is already registered. Ask a colleague who "
    "has a login to invite you."
)
EMAIL_TAKEN = gettext_lazy(
    "An account with this e-mail address already exists. Log in, or use another address."
)


def _provider_user_assignments(provider: Provider):
    from lov_portal.accounts.constants import Role
    from lov_portal.accounts.models import RoleAssignment

    return RoleAssignment.objects.filter(provider=provider, role=Role.PROVIDER_USER)


@transaction.atomic
def provider_register(
    *,
    organisation_number: str,
    name: str,
    legal_form: str,
    has_f_tax: bool,
    street_address: str,
    postal_code: str,
    city: str,
    email: str,
    phone: str,
    user_full_name: str,
    user_email: str,
    password: str,
):
    """A company registers itself: the provider and its first user, who holds the provider
    user role for it. Unlike provider_upsert it never touches an existing provider: a taken
    organisation number or e-mail address is a ValidationError on that field.

    Returns (provider, user)."""
    from django.db import IntegrityError

    from lov_portal.accounts.constants import Role
    from lov_portal.accounts.models import User
    from lov_portal.accounts.services import role_assign, user_create

    from .constants import LegalForm

    if legal_form == LegalForm.MUNICIPALITY:
        raise ValidationError(
            {"legal_form": _("In-house providers are added by the municipality.")}
        )
    organisation_number = normalise_organisation_number(organisation_number)
    if Provider.objects.filter(organisation_number=organisation_number).exists():
        raise ValidationError({"organisation_number": ORGANISATION_NUMBER_TAKEN})
    if User.objects.filter(email__iexact=user_email).exists():
        raise ValidationError({"user_email": EMAIL_TAKEN})
    provider = Provider(
        organisation_number=organisation_number,
        name=name,
        legal_form=legal_form,
        has_f_tax=has_f_tax,
        street_address=street_address,
        postal_code=postal_code,
        city=city,
        email=email,
        phone=phone,
    )
    provider.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError as exc:  # registered by someone else a moment ago
        raise ValidationError({"organisation_number": ORGANISATION_NUMBER_TAKEN}) from exc
    user = user_create(email=user_email, full_name=user_full_name, password=password, actor=None)
    audit_event_record(
        actor=user, action=AuditAction.CREATE, obj=provider, message="self-registration"
    )
    role_assign(user=user, role=Role.PROVIDER_USER, provider=provider, actor=user)
    return provider, user


@transaction.atomic
def provider_profile_update(
    *,
    provider: Provider,
    actor,
    fields: dict,
    languages,
    specialisations,
    additional_services: list[dict],
    logo=None,
    remove_logo: bool = False,
) -> Provider:
    """Save the profile the catalogue shows.

    additional_services is the complete wanted list: dicts with name, description, price,
    price_unit and, for an existing service, its pk. Services of the provider not in the
    list are removed. `logo` is an upload validated by lov_portal.core.uploads (PNG/JPEG).
    """
    from lov_portal.core.uploads import AllowedKind, private_storage, upload_to_path

    from .models import AdditionalService

    _require(actor, "providers.access_provider_portal", provider)
    editable = {
        "presentation",
        "environmental_profile",
        "email",
        "phone",
        "website",
        "street_address",
        "postal_code",
        "city",
    }
    unknown = set(fields) - editable
    if unknown:
        raise ValueError(f"Not editable in the profile: {sorted(unknown)}")
    for key, value in fields.items():
        setattr(provider, key, value)
    old_logo = provider.logo.name if provider.logo else ""
    if logo is not None:
        validated = logo.validated
        if validated.kind not in (AllowedKind.PNG, AllowedKind.JPEG):
            raise ValidationError({"logo": _("The logo must be a PNG or JPEG image.")})
        provider.logo = private_storage.save(
            upload_to_path(f"providers/{provider.pk}/logo", validated), logo
        )
    elif remove_logo:
        provider.logo = ""
    provider.full_clean(validate_unique=False)
    provider.save()
    provider.languages.set(languages)
    provider.specialisations.set(specialisations)

    existing = {s.pk: s for s in provider.additional_services.all()}
    keep = set()
    for row in additional_services:
        values = {k: row[k] for k in ("name", "description", "price", "price_unit")}
        pk = row.get("pk")
        if pk is not None:
            service = existing.get(pk)
            if service is None:
                raise PermissionDenied
            keep.add(pk)
        else:
            service = AdditionalService(provider=provider)
        for key, value in values.items():
            setattr(service, key, value)
        service.full_clean()
        service.save()
    provider.additional_services.exclude(pk__in=keep).filter(pk__in=list(existing)).delete()

    new_logo = provider.logo.name if provider.logo else ""
    if old_logo and old_logo != new_logo:
        transaction.on_commit(lambda: private_storage.delete(old_logo))
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=provider, message="profile")
    return provider


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """The token in a colleague's invitation link. Like a password reset token it stops
    working once the password is set and after PASSWORD_RESET_TIMEOUT, but the two kinds
    are not interchangeable."""

    key_salt = "providers.services.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()


def _is_pending(user) -> bool:
    """Invited, but has not chosen a password yet."""
    return not user.has_usable_password()


@transaction.atomic
def colleague_invite(*, provider: Provider, full_name: str, email: str, actor):
    """Give a colleague a login for the provider and e-mail them (after commit).

    A new address gets an account without a password and a link to choose one; an existing
    provider account gets the role and a notice. An address that belongs to municipal staff
    or a system administrator is refused (such accounts are managed by the municipality).
    Inviting a colleague who has not accepted yet sends the link again.
    Returns (user, event) where event is "invited", "reinvited" or "added".
    """
    from lov_portal.accounts.constants import Role
    from lov_portal.accounts.models import User
    from lov_portal.accounts.services import role_assign, user_create

    from .notifications import colleague_invitation_notify

    _require(actor, "providers.access_provider_portal", provider)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(email=email, full_name=full_name, password=None, actor=actor)
        event = "invited"
    elif user.role_assignments.exclude(role=Role.PROVIDER_USER).exists() or user.is_superuser:
        raise ValidationError(
            {"email": _("This address belongs to a municipal account. Use another address.")}
        )
    elif _provider_user_assignments(provider).filter(user=user).exists():
        if not _is_pending(user):
            raise ValidationError({"email": _("This person is already your colleague.")})
        event = "reinvited"
    else:
        event = "invited" if _is_pending(user) else "added"
    if event != "reinvited":
        role_assign(user=user, role=Role.PROVIDER_USER, provider=provider, actor=actor)
    audit_event_record(
        actor=actor, action=AuditAction.SECURITY, obj=user, message=f"colleague {event}"
    )
    transaction.on_commit(
        lambda: colleague_invitation_notify(
            user_id=user.pk, provider_id=provider.pk, invited_by_id=actor.pk
        )
    )
    return user, event


@transaction.atomic
def colleague_invitation_accept(*, user, password: str):
    """The invited colleague chooses a password (validated by the form); the link that got
    them here stops working at the same moment (the token depends on the password)."""
    if not _is_pending(user):
        raise ValidationError(_("This invitation has already been used."), code="used")
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_event_record(
        actor=user, action=AuditAction.SECURITY, obj=user, message="invitation accepted"
    )
    return user


@transaction.atomic
def colleague_remove(*, assignment, actor) -> None:
    """End a colleague's access to the provider. The provider always keeps at least one
    user who can log in, so nobody removes the last access (their own included)."""
    from lov_portal.accounts.services import role_revoke

    provider = assignment.provider
    _require(actor, "providers.access_provider_portal", provider)
    remaining = (
        _provider_user_assignments(provider)
        .exclude(pk=assignment.pk)
        .select_related("user")
        .filter(user__is_active=True)
    )
    if not any(a.user.has_usable_password() for a in remaining):
        raise ValidationError(
            _("The provider must keep at least one colleague who can log in."), code="last"
        )
    role_revoke(assignment=assignment, actor=actor)


# --- requests ---


def _require_owner_areas(request: RequestForApplications, areas) -> None:
    """Only areas of the owner's municipalities can be open for application."""
    owners = request.municipality_ids
    if any(area.municipality_id not in owners for area in areas):
        raise ValidationError(
            {"areas": _("Choose only areas in the municipalities that own the request.")},
            code="foreign_area",
        )


def _require_max_age_for_date(evidence_kind: str, max_age_days) -> None:
    if max_age_days is not None and evidence_kind != EvidenceKind.DATE:
        raise ValidationError(
            {"max_age_days": _("A maximum age applies only to date evidence.")}, code="max_age"
        )


@transaction.atomic
def request_version_document_save(*, version: RequestVersion, uploaded_file, actor) -> None:
    """Attach the full request (a PDF already checked by lov_portal.core.uploads) to a draft
    version. The earlier file stays in storage: an older version may still point at it."""
    from lov_portal.core.uploads import AllowedKind, private_storage, upload_to_path

    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    validated = uploaded_file.validated
    if validated.kind != AllowedKind.PDF:
        raise ValidationError({"document": _("The full request must be a PDF.")}, code="not_pdf")
    version.document.name = private_storage.save(
        upload_to_path(f"requests/{version.request_id}", validated), uploaded_file
    )
    version.save(update_fields=["document"])
    audit_event_record(
        actor=actor, action=AuditAction.UPDATE, obj=version, message="document uploaded"
    )


@transaction.atomic
def request_draft_create(*, document=None, actor, **fields) -> RequestForApplications:
    """request_create, and the full request PDF in the same transaction."""
    request = request_create(actor=actor, **fields)
    if document is not None:
        request_version_document_save(
            version=request.versions.get(), uploaded_file=document, actor=actor
        )
    return request


@transaction.atomic
def request_version_update(
    *,
    version: RequestVersion,
    title: str,
    description: str,
    payment_basis: str,
    service_types,
    areas,
    actor,
    document=None,
) -> RequestVersion:
    """Change the text and scope of a draft version (published versions never change)."""
    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    _require_owner_areas(version.request, areas)
    version.title = title
    version.description = description
    version.payment_basis = payment_basis
    version.full_clean(exclude=["request", "number", "document"])
    version.save(update_fields=["title", "description", "payment_basis"])
    version.service_types.set(service_types)
    version.areas.set(areas)
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=version)
    if document is not None:
        request_version_document_save(version=version, uploaded_file=document, actor=actor)
    return version


@transaction.atomic
def requirement_section_update(
    *, section: RequirementSection, title: str, actor
) -> RequirementSection:
    _require(actor, "providers.manage_request", section.version)
    _require_draft(section.version)
    section.title = title
    section.save(update_fields=["title"])
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=section.version)
    return section


@transaction.atomic
def requirement_section_delete(*, section: RequirementSection, actor) -> None:
    """Delete a section of a draft version with its requirements."""
    version = section.version
    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    title = section.title
    section.delete()
    audit_event_record(
        actor=actor, action=AuditAction.UPDATE, obj=version, message=f"section deleted: {title}"
    )


@transaction.atomic
def requirement_update(
    *,
    requirement: Requirement,
    text: str,
    evidence_kind: str,
    actor,
    max_age_days: int | None = None,
    tracks_expiry: bool = False,
) -> Requirement:
    version = requirement.section.version
    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    _require_max_age_for_date(evidence_kind, max_age_days)
    requirement.text = text
    requirement.evidence_kind = evidence_kind
    requirement.max_age_days = max_age_days
    requirement.tracks_expiry = tracks_expiry
    requirement.save(update_fields=["text", "evidence_kind", "max_age_days", "tracks_expiry"])
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=version)
    return requirement


@transaction.atomic
def requirement_delete(*, requirement: Requirement, actor) -> None:
    version = requirement.section.version
    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    requirement.delete()
    audit_event_record(
        actor=actor, action=AuditAction.UPDATE, obj=version, message="requirement deleted"
    )


@transaction.atomic
def request_version_publish_any(*, version: RequestVersion, actor) -> RequestVersion:
    """Publish a draft version: the first one publishes the request, a later one replaces
    the published version (applications keep the version they answered)."""
    _require(actor, "providers.manage_request", version)
    _require_draft(version)
    request = version.request
    if request.status == RequestStatus.CLOSED:
        raise ValidationError(
            _("The request is closed; its versions can no longer be published."), code="closed"
        )
    if request.status == RequestStatus.DRAFT:
        request_publish(request=request, actor=actor)
    else:
        request_version_publish(version=version, actor=actor)
    version.refresh_from_db()
    return version


# --- applications ---


@dataclass(frozen=True)
class ApplicationProblem:
    """One reason an application cannot be submitted yet, and where it is fixed: the scope
    step (`section_id` None) or the step of one requirement section."""

    message: str
    section_id: int | None = None
    requirement_id: int | None = None


def application_problems(
    application: Application, *, today: date | None = None
) -> list[ApplicationProblem]:
    """What `application_missing` reports, each with the step that fixes it."""
    today = today or timezone.localdate()
    problems: list[ApplicationProblem] = []
    if not application.municipalities.exists():
        problems.append(ApplicationProblem(_("Choose at least one municipality.")))
    if not application.service_types.exists():
        problems.append(ApplicationProblem(_("Choose at least one service.")))
    answers = {a.requirement_id: a for a in application.answers.all()}
    requirements = Requirement.objects.filter(section__version=application.version).select_related(
        "section"
    )
    for requirement in requirements:
        answer = answers.get(requirement.pk)
        label = f"{requirement.section.title}: {requirement.text}"
        kind = requirement.evidence_kind

        def problem(message, requirement=requirement):
            return ApplicationProblem(message, requirement.section_id, requirement.pk)

        if answer is None or (
            (kind == EvidenceKind.DECLARATION and answer.declaration is not True)
            or (kind == EvidenceKind.TEXT and not answer.text.strip())
            or (kind == EvidenceKind.DOCUMENT and answer.document_id is None)
            or (kind == EvidenceKind.DATE and answer.date is None)
        ):
            problems.append(problem(_("Missing answer: %(requirement)s") % {"requirement": label}))
            continue
        too_old = (
            kind == EvidenceKind.DATE
            and requirement.max_age_days is not None
            and answer.date < today - timedelta(days=requirement.max_age_days)
        )
        if too_old:
            problems.append(
                problem(
                    _("Too old (at most %(days)s days): %(requirement)s")
                    % {"days": requirement.max_age_days, "requirement": label}
                )
            )
        if requirement.tracks_expiry and (answer.expires_on is None or answer.expires_on < today):
            problems.append(
                problem(
                    _("A valid expiry date is needed: %(requirement)s") % {"requirement": label}
                )
            )
    return problems


# --- review ---


@transaction.atomic
def assessments_record(
    *, application: Application, assessments: dict[int, tuple[str, str]], actor
) -> list[Assessment]:
    """Record several assessments of one application at once, all or nothing.

    assessments: {answer id: (result, comment)}; each answer must belong to the application.
    Unchanged assessments are left alone (no new audit event)."""
    _require(actor, "providers.review_application", application)
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError(_("Start the review before assessing."), code="not_in_review")
    answers = {
        a.pk: a
        for a in Answer.objects.filter(
            application=application, pk__in=list(assessments)
        ).select_related("application", "requirement", "assessment")
    }
    if len(answers) != len(assessments):
        raise ValidationError(_("An answer does not belong to this application."))
    recorded = []
    for answer_id, (result, comment) in assessments.items():
        answer = answers[answer_id]
        existing = getattr(answer, "assessment", None)
        if existing is not None and (existing.result, existing.comment) == (result, comment):
            continue
        recorded.append(
            assessment_record(answer=answer, result=result, comment=comment, actor=actor)
        )
    return recorded
