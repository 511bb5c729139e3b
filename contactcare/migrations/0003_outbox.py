# Issue 11: the outbox (notifications, sweep heartbeat) below the apps.
#
# The models move from `followups` to `contactcare` without moving data: their
# tables keep their names, so this creates them in Django's state only
# (followups 0008 removes them there). Their content types move with them, so
# the permissions granted to groups stay granted, now as `contactcare.…`.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["notification", "sweeprun"]


def content_types_move(apps, schema_editor, source="followups", target="contactcare"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(ContentType.objects.using(db).filter(app_label=target, model__in=MOVED).values_list("model", flat=True))
    ContentType.objects.using(db).filter(app_label=source, model__in=set(MOVED) - taken).update(app_label=target)


def content_types_back(apps, schema_editor):
    content_types_move(apps, schema_editor, source="contactcare", target="followups")


class Migration(migrations.Migration):
    dependencies = [
        ("contactcare", "0002_privacy_audit"),
        ("followups", "0007_promise_contact_time"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SweepRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=50, unique=True)),
                        ("last_started_at", models.DateTimeField(null=True)),
                        ("last_finished_at", models.DateTimeField(null=True)),
                        ("last_result", models.IntegerField(default=0)),
                        ("runs", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "sweep run",
                        "verbose_name_plural": "sweep runs",
                        "db_table": "followups_sweeprun",
                        "ordering": ["name"],
                        "permissions": [("view_followup_status", "Can see the status of reminders and notifications")],
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("promise_broken", "Promise broken"),
                                    ("promise_assigned", "Promise assigned to you"),
                                    ("digest", "Morning digest"),
                                    ("weekly_report", "Weekly report"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        ("key", models.CharField(max_length=100)),
                        ("subject", models.CharField(max_length=200, verbose_name="subject")),
                        ("body", models.TextField(verbose_name="message")),
                        ("html_body", models.TextField(blank=True)),
                        ("link", models.CharField(blank=True, max_length=200)),
                        ("attachment", models.BinaryField(blank=True, null=True)),
                        ("attachment_name", models.CharField(blank=True, max_length=100)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("sending", "Being sent"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=200)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "db_table": "followups_notification",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(fields=["status", "next_attempt_at"], name="notification_outbox_idx"),
                            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
                            models.Index(fields=["kind", "key"], name="notification_kind_key_idx"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("recipient", "kind", "key"), name="notification_once")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, content_types_back),
    ]
