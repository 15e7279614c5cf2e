"""Provider accounts: additional services get a description; the languages and
specialisations a provider can choose in its profile get a starting list (kept up to date
in the admin or by later migrations; rows are matched on their code, so nothing is
duplicated)."""

from django.db import migrations, models

LANGUAGES = [
    ("sv", "svenska", "Swedish"),
    ("fi", "finska", "Finnish"),
    ("smi", "samiska", "Sami"),
    ("sgn-SE", "svenskt teckenspråk", "Swedish Sign Language"),
    ("en", "engelska", "English"),
    ("ar", "arabiska", "Arabic"),
    ("fa", "persiska", "Persian"),
    ("so", "somaliska", "Somali"),
    ("ti", "tigrinja", "Tigrinya"),
    ("bs", "bosniska/kroatiska/serbiska", "Bosnian/Croatian/Serbian"),
    ("pl", "polska", "Polish"),
    ("es", "spanska", "Spanish"),
    ("de", "tyska", "German"),
    ("ku", "kurdiska", "Kurdish"),
    ("tr", "turkiska", "Turkish"),
]

SPECIALISATIONS = [
    ("demens", "Demens", "Dementia"),
    ("finsktalande-personal", "Finsktalande personal", "Finnish-speaking staff"),
    ("psykisk-ohalsa", "Psykisk ohälsa", "Mental illness"),
    ("funktionsnedsattning", "Funktionsnedsättning", "Disability"),
    ("palliativ-vard", "Palliativ vård", "Palliative care"),
    ("diabetes", "Diabetes", "Diabetes"),
    ("hbtq-certifierad", "HBTQ-certifierad", "LGBTQ certified"),
    ("parkinson", "Parkinson", "Parkinson's disease"),
]


def seed(apps, schema_editor):
    language = apps.get_model("providers", "Language")
    specialisation = apps.get_model("providers", "Specialisation")
    for code, name, name_en in LANGUAGES:
        language.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for code, name, name_en in SPECIALISATIONS:
        specialisation.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0003_expiry_reminder"),
    ]

    operations = [
        migrations.AddField(
            model_name="additionalservice",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
