# Issue 10: the retention list a manager confirms.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0005_history_reasons_whole"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RetentionReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(unique=True, verbose_name="month")),
                ("years", models.PositiveSmallIntegerField(verbose_name="years without contact")),
                ("cutoff", models.DateTimeField(verbose_name="no contact since")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Waiting for confirmation"),
                            ("confirmed", "Confirmed, being erased"),
                            ("done", "Done"),
                            ("dismissed", "Dismissed"),
                        ],
                        default="proposed",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("dismissed_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("erased", models.PositiveIntegerField(default=0, verbose_name="erased")),
                ("skipped", models.PositiveIntegerField(default=0, verbose_name="skipped")),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "dismissed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "retention list",
                "verbose_name_plural": "retention lists",
                "ordering": ["-month"],
            },
        ),
        migrations.CreateModel(
            name="RetentionCandidate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_contact_at", models.DateTimeField(blank=True, null=True)),
                ("excluded", models.BooleanField(default=False, verbose_name="excluded")),
                ("exclusion_reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
                ("excluded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "outcome",
                    models.CharField(
                        choices=[("pending", "Waiting"), ("erased", "Erased"), ("skipped", "Skipped")],
                        default="pending",
                        max_length=10,
                        verbose_name="outcome",
                    ),
                ),
                (
                    "skip_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("contacted", "Contacted since the list was made"),
                            ("erased", "Already erased"),
                            ("merged", "Merged into another customer"),
                            ("refused", "Could not be erased"),
                        ],
                        max_length=10,
                    ),
                ),
                ("processed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contacts.customer"
                    ),
                ),
                (
                    "excluded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="candidates",
                        to="followups.retentionreview",
                    ),
                ),
            ],
            options={
                "verbose_name": "retention candidate",
                "verbose_name_plural": "retention candidates",
                "ordering": ["review", "pk"],
                "indexes": [
                    models.Index(fields=["review", "id"], name="retention_candidate_page_idx"),
                    models.Index(
                        condition=models.Q(("excluded", False), ("outcome", "pending")),
                        fields=["review", "id"],
                        name="retention_candidate_todo_idx",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("review", "customer"), name="retention_candidate_once"),
                ],
            },
        ),
    ]
