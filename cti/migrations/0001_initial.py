# Issue 12: calls from the telephone system: the desk's line, staff phones, calls.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("contacts", "0014_search_name_prefix_index"),
        ("followups", "0010_promise_callback"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.CreateModel(
            name="CtiLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("token_hint", models.CharField(editable=False, max_length=4, verbose_name="token ends in")),
                ("rotated_at", models.DateTimeField(editable=False, verbose_name="token made")),
                (
                    "rotated_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="token made by",
                    ),
                ),
                (
                    "team",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cti_line",
                        to="contacts.team",
                        verbose_name="team",
                    ),
                ),
            ],
            options={
                "verbose_name": "telephone line",
                "verbose_name_plural": "telephone lines",
                "ordering": ["team__name"],
                "permissions": [("manage_ctiline", "Can connect a telephone system and simulate calls")],
            },
        ),
        migrations.CreateModel(
            name="StaffPhone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="number or extension")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phones",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff member",
                    ),
                ),
            ],
            options={
                "verbose_name": "staff phone",
                "verbose_name_plural": "staff phones",
                "ordering": ["number"],
            },
        ),
        migrations.CreateModel(
            name="Call",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("call_id", models.CharField(max_length=250, verbose_name="call id")),
                (
                    "direction",
                    models.CharField(
                        choices=[("in", "Inbound"), ("out", "Outbound")], max_length=3, verbose_name="direction"
                    ),
                ),
                ("from_number", models.CharField(blank=True, max_length=100, verbose_name="from")),
                ("to_number", models.CharField(blank=True, max_length=100, verbose_name="to")),
                ("caller_number", models.CharField(blank=True, db_index=True, max_length=20, verbose_name="number")),
                ("is_anonymous", models.BooleanField(default=False, verbose_name="anonymous")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("ringing", "Ringing"),
                            ("answered", "Answered"),
                            ("missed", "Missed"),
                            ("ended", "Ended"),
                        ],
                        default="ringing",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("started_at", models.DateTimeField(verbose_name="started")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered")),
                ("ended_at", models.DateTimeField(blank=True, null=True, verbose_name="ended")),
                ("cause", models.CharField(blank=True, max_length=30, verbose_name="cause")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "callback",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="missed_calls",
                        to="followups.promise",
                        verbose_name="callback",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="calls",
                        to="contacts.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "moment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="calls",
                        to="contacts.contactmoment",
                        verbose_name="contact logged",
                    ),
                ),
                (
                    "ringing_users",
                    models.ManyToManyField(
                        blank=True, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="rang for"
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calls",
                        to="contacts.team",
                        verbose_name="team",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="calls",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff member",
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calls",
                        to="cti.ctiline",
                        verbose_name="line",
                    ),
                ),
            ],
            options={
                "verbose_name": "call",
                "verbose_name_plural": "calls",
                "ordering": ["-started_at", "-pk"],
                "indexes": [
                    models.Index(fields=["team", "started_at"], name="call_team_started_idx"),
                    models.Index(fields=["user", "started_at"], name="call_user_started_idx"),
                    models.Index(fields=["started_at"], name="call_started_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("line", "call_id"), name="call_unique_per_line"),
                    models.CheckConstraint(
                        condition=models.Q(("state__in", ["ringing", "answered", "missed", "ended"])),
                        name="call_state_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("direction__in", ["in", "out"])), name="call_direction_known"
                    ),
                ],
            },
        ),
    ]
