"""Firing due reminders exactly once: the claim, reminder.due, the e-mail's request, the Celery worker and beat."""
