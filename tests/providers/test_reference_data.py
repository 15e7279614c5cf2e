import pytest

from providers.models import Language, Specialisation


@pytest.mark.django_db
def test_migration_provides_minority_languages_and_specialisations():
    """Providers pick languages and specialisations from reference data that exists in every
    installation, not only in demo data."""
    assert {"fi", "fit", "se", "rom", "yi"} <= set(Language.objects.values_list("code", flat=True))
    dementia = Specialisation.objects.get(code="dementia")
    assert (dementia.name, dementia.name_en) == ("demenssjukdom", "Dementia")
