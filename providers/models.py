from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lov_portal.core.validators import validate_organisation_number, validate_postal_code

from .constants import (
    ApplicationStatus,
    AssessmentResult,
    CapacityUnit,
    ContractEventKind,
    ContractStatus,
    DecisionStatus,
    EvidenceKind,
    LegalForm,
    PaymentBasis,
    RequestStatus,
    VersionStatus,
)


def private_storage_callable():
    """Uploaded and generated files live outside the web root (lov_portal.core.uploads)."""
    from lov_portal.core.uploads import private_storage

    return private_storage


class Language(models.Model):
    """A language staff speak, shown and filtered in the catalogue."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name (Swedish)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "sv").startswith("en"):
            return self.name_en
        return self.name


class Specialisation(models.Model):
    """A specialisation shown in the catalogue, e.g. dementia care."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (Swedish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("specialisation")
        verbose_name_plural = _("specialisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "sv").startswith("en"):
            return self.name_en
        return self.name


class Provider(models.Model):
    """A provider (utförare): a company, association or the municipality's own in-house unit.

    The in-house provider is a provider like any other, flagged `is_in_house`, bound by the
    same requirements and followed up the same way.
    """

    name = models.CharField(_("name"), max_length=200)
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        unique=True,
        validators=[validate_organisation_number],
    )
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    has_f_tax = models.BooleanField(_("approved for F-tax"), default=False)
    is_in_house = models.BooleanField(_("in-house provider"), default=False)
    in_house_municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="in_house_providers",
        verbose_name=_("in-house provider of"),
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=5, blank=True, validators=[validate_postal_code]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    bankgiro = models.CharField(
        _("bankgiro"), max_length=9, blank=True, help_text=_("For payment, e.g. 5050-1055.")
    )
    website = models.URLField(_("website"), blank=True)
    # The profile the catalogue shows, in the same fields for every provider.
    presentation = models.TextField(_("presentation"), blank=True)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="providers", verbose_name=_("languages spoken")
    )
    specialisations = models.ManyToManyField(
        Specialisation, blank=True, related_name="providers", verbose_name=_("specialisations")
    )
    environmental_profile = models.TextField(_("environmental profile"), blank=True)
    logo = models.FileField(_("logo"), storage=private_storage_callable, blank=True, max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="provider_in_house_has_municipality",
                condition=models.Q(is_in_house=False, in_house_municipality__isnull=True)
                | models.Q(is_in_house=True, in_house_municipality__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def provider_id(self) -> int:
        return self.pk

    @property
    def municipality_ids(self) -> set[int]:
        return {self.in_house_municipality_id} if self.in_house_municipality_id else set()


class AdditionalService(models.Model):
    """A service the provider sells directly to the citizen (tilläggstjänst), with its price."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="additional_services"
    )
    name = models.CharField(_("service"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price (SEK)"), max_digits=9, decimal_places=2)
    price_unit = models.CharField(_("per"), max_length=30, default="timme")

    class Meta:
        verbose_name = _("additional service")
        verbose_name_plural = _("additional services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Requests for applications (förfrågningsunderlag) ----------------------------------------


class RequestForApplications(models.Model):
    """A request for applications, owned by one municipality or by a cooperation.

    Its text and requirements live in versions: a published version is never edited; a change
    makes a new version, and each application keeps the version it answered.
    """

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    owner_municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests_for_applications",
        verbose_name=_("municipality"),
    )
    owner_cooperation = models.ForeignKey(
        "core.Cooperation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests_for_applications",
        verbose_name=_("cooperation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("request for applications")
        verbose_name_plural = _("requests for applications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="rfa_one_owner",
                condition=models.Q(owner_municipality__isnull=False, owner_cooperation__isnull=True)
                | models.Q(owner_municipality__isnull=True, owner_cooperation__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @cached_property
    def municipality_ids(self) -> set[int]:
        if self.owner_municipality_id:
            return {self.owner_municipality_id}
        return set(self.owner_cooperation.municipalities.values_list("pk", flat=True))


class RequestVersion(models.Model):
    request = models.ForeignKey(
        RequestForApplications, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    payment_basis = models.CharField(
        _("payment basis"),
        max_length=20,
        choices=PaymentBasis.choices,
        default=PaymentBasis.PERFORMED_TIME,
    )
    service_types = models.ManyToManyField(
        "core.ServiceType", related_name="request_versions", verbose_name=_("services")
    )
    areas = models.ManyToManyField(
        "core.Area", related_name="request_versions", verbose_name=_("areas open for application")
    )
    document = models.FileField(
        _("full request (PDF)"), storage=private_storage_callable, blank=True, max_length=300
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("request version")
        verbose_name_plural = _("request versions")
        ordering = ["request", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="requestversion_number"),
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="published"),
                name="requestversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def municipality_ids(self) -> set[int]:
        return self.request.municipality_ids


class RequirementSection(models.Model):
    version = models.ForeignKey(RequestVersion, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("requirement section")
        verbose_name_plural = _("requirement sections")
        ordering = ["ordering", "pk"]

    def __str__(self) -> str:
        return self.title


class Requirement(models.Model):
    """A mandatory requirement (skall-krav) and the evidence it needs."""

    section = models.ForeignKey(
        RequirementSection, on_delete=models.CASCADE, related_name="requirements"
    )
    text = models.TextField(_("requirement"))
    evidence_kind = models.CharField(
        _("evidence"), max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.DECLARATION
    )
    # For DATE evidence: the date may be at most this old when the application is submitted
    # (e.g. Skatteverket's SKV 4820 at most 60 days).
    max_age_days = models.PositiveIntegerField(_("maximum age in days"), null=True, blank=True)
    # Evidence that expires (insurance, IVO permit): the provider states the expiry date.
    tracks_expiry = models.BooleanField(_("the evidence has an expiry date"), default=False)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["section__ordering", "ordering", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


# --- Applications ----------------------------------------------------------------------------


class Document(models.Model):
    """An uploaded file: stored outside the web root, served only through permission checks."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(storage=private_storage_callable, max_length=300)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name


class Application(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="applications")
    version = models.ForeignKey(
        RequestVersion, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    service_types = models.ManyToManyField(
        "core.ServiceType", blank=True, related_name="+", verbose_name=_("services")
    )
    areas = models.ManyToManyField(
        "core.Area", blank=True, related_name="+", verbose_name=_("areas")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # When the application last began waiting for the municipality (the review clock).
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "version"],
                condition=~models.Q(status="withdrawn"),
                name="application_one_open_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} – {self.version}"

    @property
    def municipality_ids(self) -> set[int]:
        return self.version.request.municipality_ids


class ApplicationMunicipality(models.Model):
    """The application to one municipality: its capacity ceiling and that board's decision."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="municipalities"
    )
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    capacity_value = models.PositiveIntegerField(_("capacity ceiling"), null=True, blank=True)
    capacity_unit = models.CharField(
        _("unit"), max_length=20, choices=CapacityUnit.choices, default=CapacityUnit.HOURS_PER_MONTH
    )
    status = models.CharField(
        _("decision"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    board_reference = models.CharField(_("board reference"), max_length=50, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    letter = models.FileField(
        _("decision letter"), storage=private_storage_callable, blank=True, max_length=300
    )

    class Meta:
        verbose_name = _("application to a municipality")
        verbose_name_plural = _("applications to municipalities")
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "municipality"], name="applicationmunicipality_unique"
            ),
            models.CheckConstraint(
                name="applicationmunicipality_rejection_has_reasons",
                condition=~models.Q(status="rejected") | ~models.Q(reasons=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} – {self.municipality.name}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}

    @property
    def provider_id(self) -> int:
        return self.application.provider_id


class Answer(models.Model):
    """The provider's answer to one requirement, with its evidence."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="answers")
    declaration = models.BooleanField(_("yes, we meet the requirement"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.requirement}"


class Assessment(models.Model):
    """A reviewer's judgement of one answer: met or not met, with a comment."""

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="assessment")
    result = models.CharField(_("assessment"), max_length=10, choices=AssessmentResult.choices)
    comment = models.TextField(_("comment"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.answer}: {self.result}"


class CompletionRequest(models.Model):
    """A reviewer asks for more (komplettering); the provider answers before resubmitting."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="completion_requests"
    )
    message = models.TextField(_("what is missing"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("completion request")
        verbose_name_plural = _("completion requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.message[:80]


class StatusChange(models.Model):
    """History of every status change of requests, applications, decisions and contracts."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    from_status = models.CharField(max_length=30)
    to_status = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


# --- Contracts -------------------------------------------------------------------------------


class Contract(models.Model):
    """Created by a municipality's approval: the provider may then serve its citizens."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="contracts"
    )
    application_municipality = models.OneToOneField(
        ApplicationMunicipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contract",
    )
    request = models.ForeignKey(
        RequestForApplications,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    service_types = models.ManyToManyField("core.ServiceType", related_name="contracts")
    areas = models.ManyToManyField("core.Area", related_name="contracts")
    capacity_value = models.PositiveIntegerField(_("capacity ceiling"), null=True, blank=True)
    capacity_unit = models.CharField(
        _("unit"), max_length=20, choices=CapacityUnit.choices, default=CapacityUnit.HOURS_PER_MONTH
    )
    valid_from = models.DateField(_("valid from"))
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    status_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["municipality__name", "provider__name"]

    def __str__(self) -> str:
        return f"{self.provider} – {self.municipality.name}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


class ContractEvent(models.Model):
    """Warnings, suspensions, reactivations and terminations, each with its reason."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=ContractEventKind.choices)
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason[:60]}"


class ExpiryReminder(models.Model):
    """One reminder e-mail per provider and day about evidence that expires soon; makes the
    daily task idempotent (a retried or repeated run sends nothing twice)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    answer_count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["provider", "sent_on"], name="expiryreminder_daily")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.sent_on}"
