# Issue 12: outgoing webhooks through the outbox (endpoints, their deliveries, the endpoints' history).
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contactcare", "0003_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalWebhookEndpoint",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("url", models.CharField(max_length=500, verbose_name="URL")),
                ("description", models.CharField(blank=True, max_length=200, verbose_name="description")),
                ("events", models.JSONField(default=list, verbose_name="events")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="registered at")),
                ("secret_rotated_at", models.DateTimeField(blank=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="registered by",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical webhook endpoint",
                "verbose_name_plural": "historical webhook endpoints",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("url", models.CharField(max_length=500, verbose_name="URL")),
                ("description", models.CharField(blank=True, max_length=200, verbose_name="description")),
                ("events", models.JSONField(default=list, verbose_name="events")),
                ("secret", models.CharField(max_length=100)),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="registered at")),
                ("secret_rotated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="registered by",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook endpoint",
                "verbose_name_plural": "webhook endpoints",
                "ordering": ["pk"],
                "permissions": [("manage_webhooks", "Can register outgoing webhooks and see their deliveries")],
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(unique=True)),
                ("event", models.CharField(max_length=30, verbose_name="event")),
                ("event_key", models.CharField(max_length=120)),
                ("customer_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("occurred_at", models.DateTimeField(verbose_name="occurred at")),
                ("payload", models.JSONField(default=dict)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting"),
                            ("sending", "Being sent"),
                            ("sent", "Sent"),
                            ("failed", "Failed, will be retried"),
                            ("dead", "Given up"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next attempt")),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "last_status_code",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="last answer"),
                ),
                ("last_error", models.CharField(blank=True, max_length=200, verbose_name="last error")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="contactcare.webhookendpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_outbox_idx"),
                    models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("endpoint", "event_key"), name="webhook_delivery_once")
                ],
            },
        ),
    ]
