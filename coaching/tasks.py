from celery import shared_task

from followups.tasks import RETRY

from . import services


@shared_task(**RETRY)
def say_you_see_it_task() -> int:
    return services.say_you_see_it_sweep()
