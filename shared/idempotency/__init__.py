"""Idempotency-Key: safe retries of requests that change something, in every service."""

from shared.idempotency.repository import define_idempotency_keys, forget_answers_about_client
from shared.idempotency.route import HEADER, RETENTION, IdempotentRoute, changes_nothing

__all__ = [
    "HEADER",
    "RETENTION",
    "IdempotentRoute",
    "changes_nothing",
    "define_idempotency_keys",
    "forget_answers_about_client",
]
