"""Turn a search into SQL conditions for one account: parse, resolve labels, compile."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Category, Tag
from services.clients.search import filters, repository
from services.clients.search.filters import Clause
from services.clients.search.params import SearchParams, SearchTextError
from services.clients.search.query_text import QuerySyntaxError
from services.clients.search.terms import Term
from shared.errors import InvalidField
from shared.text import fold


async def search_conditions(
    session: AsyncSession, *, account_id: uuid.UUID, timezone: str, search: SearchParams
) -> list[Clause]:
    """The WHERE conditions of a search; empty for the plain list. Bad input raises a 422."""
    if search.is_empty():
        return []
    terms = await resolve_labels(session, account_id=account_id, terms=search.terms())
    terms = await resolve_price_grids(session, account_id=account_id, terms=terms)
    return filters.conditions(terms, account_id=account_id, timezone=timezone)


def search_relevance(search: SearchParams, *, account_id: uuid.UUID) -> ColumnElement[int] | None:
    """How well each client matches the words typed in the search, best highest; None without words."""
    if not search.q:
        return None
    return filters.relevance(search.terms(), account_id=account_id)


async def resolve_labels(session: AsyncSession, *, account_id: uuid.UUID, terms: list[Term]) -> list[Term]:
    """Category and tag names to ids of this account; an unknown name is a 422 naming where it was."""
    wanted = {term.field for term in terms if any(isinstance(v, str) for v in term.values)} & {"category", "tag"}
    if not wanted:
        return terms
    ids_by_name: dict[str, dict[str, int]] = {}
    for field, model in (("category", Category), ("tag", Tag)):
        if field in wanted:
            rows = await repository.label_names(session, model, account_id=account_id)
            ids_by_name[field] = {fold(row.name): row.id for row in rows}
    resolved = []
    for term in terms:
        if term.field in ids_by_name:
            term = Term(
                term.field,
                tuple(_label_id(term, v, ids_by_name[term.field]) for v in term.values),
                term.negated,
                term.param,
                term.position,
            )
        resolved.append(term)
    return resolved


async def resolve_price_grids(session: AsyncSession, *, account_id: uuid.UUID, terms: list[Term]) -> list[Term]:
    """Price grid names to the ids of this account's grids whose name folds the same (case and accents aside).

    Unlike a label, a grid lives in the orders service: a name no grid has (or not yet known here) finds no
    client rather than a 422, and a name two grids fold to ("Été" and "ete") finds the clients of both.
    """
    if not any(term.field == "price_grid" and any(isinstance(v, str) for v in term.values) for term in terms):
        return terms
    ids_by_name: dict[str, list[int]] = {}
    for row in await repository.price_grid_names(session, account_id=account_id):
        ids_by_name.setdefault(fold(row.name), []).append(row.grid_id)
    resolved = []
    for term in terms:
        if term.field == "price_grid":
            ids = [i for v in term.values for i in ([v] if isinstance(v, int) else ids_by_name.get(v, []))]
            term = Term(term.field, tuple(ids), term.negated, term.param, term.position)
        resolved.append(term)
    return resolved


def _label_id(term: Term, value: int | str, known: dict[str, int]) -> int:
    if isinstance(value, int):
        return value
    if value in known:
        return known[value]
    message = f"no {term.field} is named {value!r}"
    if term.position is not None:
        raise SearchTextError(QuerySyntaxError(term.position, message))
    raise InvalidField(term.param, message)
