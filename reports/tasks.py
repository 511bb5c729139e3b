from celery import shared_task

from followups.tasks import RETRY

from . import services


@shared_task(**RETRY)
def weekly_report_mails_task() -> int:
    return services.weekly_report_sweep()
