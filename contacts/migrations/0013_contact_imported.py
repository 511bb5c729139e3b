# Issue 10: historic contacts imported from a file, and the dry run of a big file in the worker.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0012_customer_merge"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerimport",
            name="kind",
            field=models.CharField(
                choices=[("customers", "Customers"), ("contacts", "Contact history")],
                default="customers",
                max_length=10,
                verbose_name="what the file holds",
            ),
        ),
        migrations.AddField(
            model_name="customerimport",
            name="headers",
            field=models.JSONField(default=list),
        ),
        migrations.AlterField(
            model_name="customerimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("checking", "Checking (dry run)"),
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
        migrations.AddField(
            model_name="contactmoment",
            name="imported_by_import",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="contact_moments",
                to="contacts.customerimport",
                verbose_name="imported from",
            ),
        ),
        migrations.AddField(
            model_name="historicalcontactmoment",
            name="imported_by_import",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contacts.customerimport",
                verbose_name="imported from",
            ),
        ),
    ]
