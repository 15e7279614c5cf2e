"""The catalogue's cached pages are keyed by a version that every change to what the catalogue
shows moves on, whichever way the change is made (services, the admin, a data migration)."""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .selectors import catalogue_changed

WATCHED = [
    "core.Municipality",
    "core.Area",
    "core.AreaPostalCode",
    "core.ServiceType",
    "providers.Provider",
    "providers.AdditionalService",
    "providers.Language",
    "providers.Specialisation",
    "providers.Contract",
]
WATCHED_M2M = [
    ("providers.Provider", "languages"),
    ("providers.Provider", "specialisations"),
    ("providers.Contract", "service_types"),
    ("providers.Contract", "areas"),
]


def _changed(**kwargs) -> None:
    # After the commit: a reader must not cache the old data under the new version.
    catalogue_changed()
    transaction.on_commit(catalogue_changed)


def connect() -> None:
    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-delete-{label}")
    for label, field in WATCHED_M2M:
        through = getattr(apps.get_model(label), field).through
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"catalogue-m2m-{label}.{field}")
