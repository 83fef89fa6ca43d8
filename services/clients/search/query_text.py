"""The search text people type in `q`: words and `field:value` terms, e.g. `château tag:vip orders>=3`.

Grammar (terms are separated by spaces and must all hold):
    term     := ["-"] (word | key op value)
    op       := ":" | "=" | ">=" | "<=" | ">" | "<"
    value    := bare | '"' quoted '"'        (a comma inside a value means "any of")
A bare word, or a quoted phrase, is looked for everywhere a merchant would type it from: names,
e-mails, phones in any notation, order, invoice and accounting numbers, postal codes and cities.
Errors carry the 1-based position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.clients.search.terms import BadValue, Term, parse_values

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 30

# Every key people may type, French aliases included, to the field it means.
KEYS: dict[str, str] = {
    "name": "name",
    "nom": "name",
    "email": "email",
    "mail": "email",
    "phone": "phone",
    "tel": "phone",
    "cp": "postal_code",
    "zip": "postal_code",
    "postal": "postal_code",
    "postal_code": "postal_code",
    "dept": "department",
    "dep": "department",
    "department": "department",
    "city": "city",
    "ville": "city",
    "country": "country",
    "pays": "country",
    "cat": "category",
    "category": "category",
    "categorie": "category",
    "grid": "price_grid",
    "grille": "price_grid",
    "price_grid": "price_grid",
    "tag": "tag",
    "invoice": "invoice_number",
    "facture": "invoice_number",
    "order": "order_number",
    "commande": "order_number",
    "orders": "orders",
    "commandes": "orders",
    "total": "total",
    "ca": "total",
    "invoiced": "invoiced",
    "facture_le": "invoiced",
    "created": "created",
    "cree": "created",
    "has": "has",
    "a": "has",
    "emailing": "emailing",
    "mailing": "mailing",
    "courrier": "mailing",
    "blocked": "blocked",
    "bloque": "blocked",
    "status": "status",
    "statut": "status",
    "is": "status",
}

_TERM = re.compile(
    r"""(?P<neg>-)?
        (?:(?P<key>[A-Za-z_]+)(?P<op>>=|<=|:|=|>|<))?
        (?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+))""",
    re.VERBOSE,
)


_KEY_ONLY = re.compile(r"[A-Za-z_]+(>=|<=|:|=|>|<)")


class QuerySyntaxError(BadValue):
    """A search text that cannot be read; ``position`` is 1-based, in characters."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


@dataclass(frozen=True, slots=True)
class _Token:
    position: int
    negated: bool
    key: str | None
    operator: str
    value: str
    quoted: bool


def parse_query(text: str) -> list[Term]:
    """Terms of a search text; QuerySyntaxError names the position and the problem."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(MAX_QUERY_LENGTH + 1, f"a search text is at most {MAX_QUERY_LENGTH} characters")
    tokens = _tokens(text)
    if len(tokens) > MAX_TERMS:
        raise QuerySyntaxError(tokens[MAX_TERMS].position, f"at most {MAX_TERMS} terms in one search")
    return [_term(token) for token in tokens]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        match = _TERM.match(text, index)
        if match is None or (match.end() < len(text) and not text[match.end()].isspace()):
            raise QuerySyntaxError(index + 1, _what_is_wrong(text, index))
        quoted = match.group("quoted") is not None
        tokens.append(
            _Token(
                position=index + 1,
                negated=bool(match.group("neg")),
                key=match.group("key"),
                operator=match.group("op") or ":",
                value=match.group("quoted") if quoted else match.group("bare"),
                quoted=quoted,
            )
        )
        index = match.end()
    return tokens


def _what_is_wrong(text: str, index: int) -> str:
    rest = text[index:]
    if '"' in rest.split(None, 1)[0] and rest.count('"') % 2:
        return "a quotation mark is never closed"
    if re.match(r"-?[A-Za-z_]+(>=|<=|:|=|>|<)(\s|$)", rest):
        return "a value is missing after the field name"
    return "cannot read this term; write word, field:value or field>=value"


def _term(token: _Token) -> Term:
    if token.key is None:
        if not token.quoted and _KEY_ONLY.fullmatch(token.value):
            raise QuerySyntaxError(token.position, "a value is missing after the field name")
        return _parsed(token, "any", token.value)
    field = KEYS.get(token.key.lower())
    if field is None:
        raise QuerySyntaxError(token.position, f"unknown field {token.key!r}; known: {', '.join(sorted(KEYS))}")
    return _parsed(token, field, token.value)


def _parsed(token: _Token, field: str, raw: str) -> Term:
    try:
        values = parse_values(field, raw, operator=token.operator)
    except BadValue as problem:
        raise QuerySyntaxError(token.position, f"{token.key or 'word'}: {problem}") from None
    return Term(field=field, values=values, negated=token.negated, position=token.position)
