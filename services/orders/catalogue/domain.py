"""Pure rules of the catalogue: the containers every account starts with, a container as events carry it."""

from __future__ import annotations

from typing import Any

from shared.events.orders import ContainerPayload

# (name, short name, millilitres, kind): the sizes every account starts with.
DEFAULT_CONTAINERS: tuple[tuple[str, str, int, str], ...] = (
    ("Demi-bouteille (37,5 cl)", "37,5 cl", 375, "bottle"),
    ("Bouteille (50 cl)", "50 cl", 500, "bottle"),
    ("Bouteille (75 cl)", "75 cl", 750, "bottle"),
    ("Magnum (150 cl)", "150 cl", 1500, "magnum"),
    ("Jéroboam (300 cl)", "300 cl", 3000, "magnum"),
    ("Bag-in-box (3 l)", "BIB 3 l", 3000, "bag-in-box"),
    ("Bag-in-box (5 l)", "BIB 5 l", 5000, "bag-in-box"),
)


def container_payload(detail: Any) -> ContainerPayload:
    """The container of a variant row (from the catalogue's variant details)."""
    return ContainerPayload(
        container_id=detail.container_id,
        name=detail.container_name,
        short_name=detail.short_name,
        millilitres=detail.millilitres,
        kind=detail.kind,
    )
