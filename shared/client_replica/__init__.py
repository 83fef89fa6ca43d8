"""One service's copy of the clients service's clients, kept from client events.

Each service declares its table and its own columns (``ReplicaTable``) and the side effects of a
deletion, merge or erasure on its own data (``ClientReplica``); the versioned upserts, the merge
bookkeeping and the known/closed checks are the same for every service and live here.
"""

from shared.client_replica.checks import known_client, refuse_if_closed
from shared.client_replica.declaration import Lock, ReplicaRow, ReplicaTable, Values
from shared.client_replica.events import ClientReplica, Merge

__all__ = [
    "ClientReplica",
    "Lock",
    "Merge",
    "ReplicaRow",
    "ReplicaTable",
    "Values",
    "known_client",
    "refuse_if_closed",
]
