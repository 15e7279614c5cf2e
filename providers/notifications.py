"""E-mail notices about applications. They name the provider and the request, never a citizen,
and link to the portal, where the reader logs in to see the details."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import User

from .models import Application, ApplicationMunicipality


def provider_emails(provider_id: int) -> list[str]:
    """The addresses of the provider's active users (other apps notify providers by these)."""
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.PROVIDER_USER,
            role_assignments__provider_id=provider_id,
        )
        .values_list("email", flat=True)
        .distinct()
    )


def _reviewer_emails(municipality_ids: set[int]) -> list[str]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=[Role.BOARD_REVIEWER, Role.PROCUREMENT_OFFICER],
            role_assignments__municipality_id__in=municipality_ids,
        )
        .values_list("email", flat=True)
        .distinct()
    )


def portal_link(name: str, pk: int) -> str:
    """An absolute link into the portal for an e-mail."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, args=[pk])


def application_notify(*, application_id: int, event: str) -> int:
    application = Application.objects.select_related("provider", "version__request").get(
        pk=application_id
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject_of = {
            "submitted": _("New application: %(provider)s"),
            "resubmitted": _("Completed application: %(provider)s"),
            "completion_requested": _("The municipality asks for more: %(request)s"),
        }
        context = {"provider": application.provider.name, "request": application.version.title}
        messages = []
        if event in ("submitted", "resubmitted"):
            body = _(
                "%(provider)s has submitted an application to %(request)s.\n\n"
                "Review it here: %(link)s"
            ) % {**context, "link": portal_link("providers:review_detail", application.pk)}
            for email in _reviewer_emails(application.municipality_ids):
                messages.append((subject_of[event] % context, body, None, [email]))
            receipt = _(
                "Your application to %(request)s has been received. "
                "You can follow it here: %(link)s"
            ) % {**context, "link": portal_link("providers:application_detail", application.pk)}
            for email in provider_emails(application.provider_id):
                messages.append((_("Application received"), receipt, None, [email]))
        elif event == "completion_requested":
            body = _(
                "The municipality asks you to complete your application to %(request)s. "
                "Read the message and answer here: %(link)s"
            ) % {**context, "link": portal_link("providers:application_detail", application.pk)}
            for email in provider_emails(application.provider_id):
                messages.append((subject_of[event] % context, body, None, [email]))
    return send_mass_mail(messages, fail_silently=False)


def decision_notify(*, decision: ApplicationMunicipality) -> int:
    application = decision.application
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Decision from %(municipality)s") % {"municipality": decision.municipality.name}
        body = _(
            "%(municipality)s has decided on your application to %(request)s. "
            "Read the decision letter here: %(link)s"
        ) % {
            "municipality": decision.municipality.name,
            "request": application.version.title,
            "link": portal_link("providers:application_detail", application.pk),
        }
        messages = [(subject, body, None, [e]) for e in provider_emails(application.provider_id)]
    return send_mass_mail(messages, fail_silently=False)


def expiry_notify(*, provider_id: int, answers) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("%(requirement)s: valid until %(date)s")
            % {"requirement": a.requirement.text, "date": a.expires_on.isoformat()}
            for a in answers
        ]
        body = (
            _(
                "Some of your evidence has expired or expires within 30 days. Send the "
                "municipality new documents in time to keep your contract:"
            )
            + "\n\n"
            + "\n".join(lines)
        )
        subject = _("Documents that expire soon")
        messages = [(subject, body, None, [e]) for e in provider_emails(provider_id)]
    return send_mass_mail(messages, fail_silently=False)


# --- accounts ---


def colleague_invitation_notify(*, user_id: int, provider_id: int, invited_by_id: int) -> int:
    """Tell a colleague they have a login for the provider: with a link to choose a password
    when they have none yet, otherwise a link to log in."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from .models import Provider
    from .services import invitation_token_generator

    user = User.objects.get(pk=user_id)
    provider = Provider.objects.get(pk=provider_id)
    invited_by = User.objects.get(pk=invited_by_id)
    base = settings.PORTAL_BASE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": user.full_name,
            "provider": provider.name,
            "invited_by": invited_by.full_name or invited_by.email,
        }
        if user.has_usable_password():
            subject = _("You now have access to %(provider)s in LOV-portalen") % context
            body = _(
                "Hello %(name)s,\n\n%(invited_by)s has given you access to %(provider)s in "
                "LOV-portalen. Log in with your usual password here: %(link)s"
            ) % {**context, "link": base + reverse("accounts:login")}
        else:
            link = base + reverse(
                "providers:invitation_accept",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": invitation_token_generator.make_token(user),
                },
            )
            subject = _("Invitation to LOV-portalen from %(provider)s") % context
            body = _(
                "Hello %(name)s,\n\n%(invited_by)s has invited you to work for %(provider)s in "
                "LOV-portalen, where providers apply to the municipalities and follow their "
                "contracts.\n\nChoose your password here to log in: %(link)s\n\n"
                "The link works once and for %(days)s days. If it has expired, ask "
                "%(invited_by)s to invite you again."
            ) % {**context, "link": link, "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    return send_mass_mail([(subject, body, None, [user.email])], fail_silently=False)
