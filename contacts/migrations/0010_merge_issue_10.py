"""Joins the three branches of issue 10 that each grew from 0005: contact deletion, the stored last contact,
and customer imports. Nothing to do but to order them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0006_contact_moment_deletion"),
        ("contacts", "0008_customer_last_contact_backfill"),
        ("contacts", "0009_customer_import"),
    ]

    operations = []
