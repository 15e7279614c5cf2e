"""The national indicators (Socialstyrelsen's user survey for home help, NKI and continuity),
as data. Names are in Swedish: they are shown to citizens as Socialstyrelsen words them."""

from django.db import migrations

INDICATORS = [
    ("overall_satisfaction", "Nöjd med hemtjänsten som helhet", "percent", True),
    ("influence_times", "Kan påverka vid vilka tider personalen kommer", "percent", True),
    ("wishes_respected", "Personalen tar hänsyn till åsikter och önskemål", "percent", True),
    ("tasks_done_well", "Personalen utför sina arbetsuppgifter bra", "percent", True),
    ("enough_time", "Personalen har tillräckligt med tid", "percent", True),
    ("on_time", "Personalen kommer på utsatt tid", "percent", True),
    ("changes_announced", "Meddelas i förväg om tillfälliga förändringar", "percent", True),
    ("feels_safe", "Känner sig trygg hemma med hemtjänst", "percent", True),
    ("good_treatment", "Bra bemötande från personalen", "percent", True),
    ("nki", "Nöjd Kund Index (NKI)", "index", True),
    ("continuity", "Antal olika personal på 14 dagar (median)", "count", False),
]


def add_indicators(apps, schema_editor):
    indicator = apps.get_model("followup", "Indicator")
    for ordering, (code, name, unit, higher) in enumerate(INDICATORS, start=1):
        indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "higher_is_better": higher,
                "ordering": ordering,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]

    operations = [migrations.RunPython(add_indicators, migrations.RunPython.noop)]
