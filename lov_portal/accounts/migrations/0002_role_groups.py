"""One group per role, holding the model permissions declared in lov_portal.permissions."""

from django.db import migrations


def sync(apps, schema_editor):
    from lov_portal.permissions import sync_role_groups

    sync_role_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
        ("core", "0001_initial"),
        ("providers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
