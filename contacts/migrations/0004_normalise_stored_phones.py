"""Store every phone number that can be read as E.164, as the service now does for every write.

Numbers stored as typed ("06 1234 5678") could not be found by search.
Numbers that are not valid stay as they are (the service accepts them
unchanged on the next edit, and refuses them only when changed).
"""

from django.db import migrations


def normalise(apps, schema_editor):
    from contacts.normalize import phone_normalize

    Customer = apps.get_model("contacts", "Customer")
    batch = []
    for customer in Customer.objects.exclude(phone="").exclude(phone__startswith="+").only("pk", "phone").iterator():
        normalised = phone_normalize(customer.phone)
        if normalised and normalised != customer.phone:
            customer.phone = normalised
            batch.append(customer)
        if len(batch) >= 1000:
            Customer.objects.bulk_update(batch, ["phone"])
            batch = []
    Customer.objects.bulk_update(batch, ["phone"])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_history_reasons_whole")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
