"""What the reminders service keeps of each client: only its name, for the notification e-mail's subject."""

from __future__ import annotations

from services.reminders.models import ClientReplica
from shared.client_replica import ReplicaTable

# The pseudonym takes the name's place once the client is erased.
CLIENTS = ReplicaTable(
    model=ClientReplica, columns=lambda _: {}, personal=lambda pseudonym: {"display_name": pseudonym}
)
