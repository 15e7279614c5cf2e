"""Provider accounts: an additional service (tilläggstjänst) gets a description."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0004_reference_languages_and_specialisations"),
    ]

    operations = [
        migrations.AddField(
            model_name="additionalservice",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
    ]
