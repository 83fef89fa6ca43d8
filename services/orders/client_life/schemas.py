"""Response bodies of the clients as the orders service knows them."""

from __future__ import annotations

from pydantic import BaseModel


class ClientChoice(BaseModel):
    """A client that may be given a new order."""

    client_id: int
    display_name: str
