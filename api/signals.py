"""Cleanup only: an erased customer's stored API answers (idempotency replays) go with the person."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from contacts.models import Customer

from .models import IdempotencyKey


@receiver(post_save, sender=Customer, dispatch_uid="api-forget-erased-customer")
def forget_erased_customer(sender, instance, **kwargs):
    from followups.privacy import customer_is_erased

    if customer_is_erased(instance):
        IdempotencyKey.objects.filter(customer_id=instance.pk).delete()
