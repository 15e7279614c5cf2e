from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import GLOBAL_ROLES, MUNICIPAL_ROLES, PROVIDER_ROLES, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the admin"),
        default=False,
        help_text=_("Gives access to the administration pages (still limited by permissions)."),
    )
    date_joined = models.DateTimeField(_("created"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class RoleAssignment(models.Model):
    """A user holds a role in one municipality, for one provider, or (system admin) everywhere."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("municipality"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("provider"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        constraints = [
            # One constraint per scope kind, so NULLs never make duplicates (on every database).
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=models.Q(municipality__isnull=False),
                name="roleassignment_unique_municipality",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "provider"],
                condition=models.Q(provider__isnull=False),
                name="roleassignment_unique_provider",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(municipality__isnull=True, provider__isnull=True),
                name="roleassignment_unique_global",
            ),
            models.CheckConstraint(
                name="roleassignment_scope",
                condition=(
                    models.Q(
                        role__in=sorted(r.value for r in MUNICIPAL_ROLES),
                        municipality__isnull=False,
                        provider__isnull=True,
                    )
                    | models.Q(
                        role__in=sorted(r.value for r in PROVIDER_ROLES),
                        municipality__isnull=True,
                        provider__isnull=False,
                    )
                    | models.Q(
                        role__in=sorted(r.value for r in GLOBAL_ROLES),
                        municipality__isnull=True,
                        provider__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = self.municipality or self.provider or _("all municipalities")
        return f"{self.get_role_display()} – {scope}"

    def clean(self) -> None:
        if self.role in MUNICIPAL_ROLES and (not self.municipality_id or self.provider_id):
            raise ValidationError(_("This role is held in one municipality."))
        if self.role in PROVIDER_ROLES and (not self.provider_id or self.municipality_id):
            raise ValidationError(_("This role is held for one provider."))
        if self.role in GLOBAL_ROLES and (self.provider_id or self.municipality_id):
            raise ValidationError(_("This role is held for the whole portal."))
