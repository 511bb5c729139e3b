# The customer list filters and sorts on the last contact: denormalised onto the customer, with the keyset indexes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_search_phone_trigram_index")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="last_contact_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last contact"),
        ),
        migrations.AddField(
            model_name="customer",
            name="last_contact_team",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contacts.team",
                verbose_name="team of last contact",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["full_name", "id"], name="customer_name_id_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["last_contact_at", "id"], name="customer_last_contact_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["last_contact_team", "last_contact_at", "id"], name="customer_team_last_contact_idx"
            ),
        ),
    ]
