# Issue 10: merging two customers. The merged (absorbed) customer stays as a row pointing at the survivor,
# each merge is recorded, and merging is a permission of its own.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0011_contact_is_repeat"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={
                "ordering": ["full_name"],
                "permissions": [("merge_customer", "Can merge two customers")],
                "verbose_name": "customer",
                "verbose_name_plural": "customers",
            },
        ),
        migrations.AddField(
            model_name="customer",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_from",
                to="contacts.customer",
                verbose_name="merged into",
            ),
        ),
        migrations.AddField(
            model_name="historicalcustomer",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contacts.customer",
                verbose_name="merged into",
            ),
        ),
        migrations.CreateModel(
            name="CustomerMerge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("merged_at", models.DateTimeField(auto_now_add=True, verbose_name="merged at")),
                ("sources", models.JSONField(default=dict)),
                ("moved", models.JSONField(default=dict)),
                (
                    "absorbed",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merge_record",
                        to="contacts.customer",
                        verbose_name="merged customer",
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="merged by",
                    ),
                ),
                (
                    "survivor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merges",
                        to="contacts.customer",
                        verbose_name="survivor",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer merge",
                "verbose_name_plural": "customer merges",
                "ordering": ["-merged_at", "-pk"],
            },
        ),
    ]
