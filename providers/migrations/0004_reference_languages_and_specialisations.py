"""Reference data every municipality needs: the languages and specialisations providers pick
from and citizens filter by in the catalogue. Administrators may add more in the admin."""

from django.db import migrations

# code (ISO 639-1/-3), Swedish name, English name. The five national minority languages first.
LANGUAGES = [
    ("fi", "finska", "Finnish"),
    ("fit", "meänkieli", "Meänkieli"),
    ("se", "samiska", "Sami"),
    ("rom", "romani chib", "Romani"),
    ("yi", "jiddisch", "Yiddish"),
    ("sv", "svenska", "Swedish"),
    ("sgn-se", "svenskt teckenspråk", "Swedish Sign Language"),
    ("en", "engelska", "English"),
    ("ar", "arabiska", "Arabic"),
    ("fa", "persiska", "Persian"),
    ("so", "somaliska", "Somali"),
    ("ti", "tigrinja", "Tigrinya"),
    ("bs", "bosniska/kroatiska/serbiska", "Bosnian/Croatian/Serbian"),
    ("pl", "polska", "Polish"),
    ("de", "tyska", "German"),
    ("es", "spanska", "Spanish"),
    ("no", "norska", "Norwegian"),
    ("da", "danska", "Danish"),
    ("ku", "kurdiska", "Kurdish"),
    ("tr", "turkiska", "Turkish"),
]

SPECIALISATIONS = [
    ("dementia", "demenssjukdom", "Dementia"),
    ("finnish-speaking-staff", "finskspråkig personal", "Finnish-speaking staff"),
    ("mental-illness", "psykisk ohälsa", "Mental illness"),
    ("disability", "funktionsnedsättning", "Disability"),
    ("palliative-care", "palliativ vård", "Palliative care"),
    ("substance-abuse", "missbruk och beroende", "Substance abuse"),
    ("lgbtq-certified", "hbtqi-certifierad", "LGBTQI certified"),
    ("diabetes", "diabetes", "Diabetes"),
    ("stroke-rehab", "rehabilitering efter stroke", "Rehabilitation after stroke"),
    ("hearing-impairment", "hörselnedsättning", "Hearing impairment"),
]


def add_reference_data(apps, schema_editor):
    Language = apps.get_model("providers", "Language")
    Specialisation = apps.get_model("providers", "Specialisation")
    for code, name, name_en in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for code, name, name_en in SPECIALISATIONS:
        Specialisation.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_expiry_reminder")]

    operations = [migrations.RunPython(add_reference_data, migrations.RunPython.noop)]
