"""Decision letters: one PDF per municipality and decision, in Swedish, rendered by WeasyPrint."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from .models import ApplicationMunicipality
from .notifications import decision_notify


def decision_letter_pdf(decision: ApplicationMunicipality) -> bytes:
    with translation.override("sv"):
        html = render_to_string("providers/decision_letter.html", {"decision": decision})
    return HTML(string=html).write_pdf()


def decision_letter_render(*, application_municipality_id: int) -> None:
    """Idempotent: renders the letter once; a repeated task finds it and does nothing."""
    with transaction.atomic():
        decision = (
            ApplicationMunicipality.objects.select_for_update()
            .select_related(
                "application__provider", "application__version__request", "municipality"
            )
            .get(pk=application_municipality_id)
        )
        if decision.letter or decision.status == "pending":
            return
        pdf = decision_letter_pdf(decision)
        code = decision.municipality.code
        name = f"letters/{decision.application_id}/beslut-{code}-{decision.pk}.pdf"
        decision.letter.save(name, ContentFile(pdf), save=True)
    decision_notify(decision=decision)
