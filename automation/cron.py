"""RQ cron configuration: ``manage.py rqcron automation.cron`` runs the engine's periodic jobs."""
from django.conf import settings
from rq import cron

from automation.periodic import PERIODIC_JOBS

for function, interval in PERIODIC_JOBS:
    cron.register(function, settings.ENGINE_QUEUE, interval=interval)
