import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contacts", "0005_search_phone_trigram_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerImport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="imported by",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("file_name", models.CharField(max_length=255, verbose_name="file name")),
                ("content", models.BinaryField()),
                (
                    "format",
                    models.CharField(choices=[("csv", "CSV"), ("xlsx", "XLSX")], max_length=4, verbose_name="format"),
                ),
                ("language", models.CharField(default="en", max_length=10)),
                ("mapping", models.JSONField(default=dict)),
                ("preview", models.JSONField(default=list)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("checked", "Checked (dry run)"),
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Stopped"),
                        ],
                        default="checked",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("total", models.PositiveIntegerField(default=0, verbose_name="lines")),
                ("created", models.PositiveIntegerField(default=0, verbose_name="created")),
                ("updated", models.PositiveIntegerField(default=0, verbose_name="updated")),
                ("unchanged", models.PositiveIntegerField(default=0, verbose_name="unchanged")),
                ("failed", models.PositiveIntegerField(default=0, verbose_name="failed")),
                ("processed_rows", models.PositiveIntegerField(default=0, verbose_name="processed lines")),
                ("errors", models.JSONField(default=list)),
                ("stop_reason", models.CharField(blank=True, max_length=500)),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
            ],
            options={
                "verbose_name": "customer import",
                "verbose_name_plural": "customer imports",
                "ordering": ["-created_at"],
                "indexes": [],
                "constraints": [],
            },
        ),
    ]
