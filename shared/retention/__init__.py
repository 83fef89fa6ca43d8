"""Retention of the outbox and the inbox: relayed events and old inbox rows are deleted in short batches."""

from shared.retention.repository import retention_indexes

__all__ = ["retention_indexes"]
