"""The columns of the clients and contacts exports, defined once for CSV (formatted in SQL) and XLSX (typed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from services.clients.base.domain import NameOrder
from services.clients.models import Category, Client, ClientTag, Contact, Tag

Kind = Literal["text", "code", "integer", "money", "date", "flag"]


@dataclass(frozen=True, slots=True)
class Column:
    """One spreadsheet column: its header, the raw SQL value, and how it is written."""

    header: str
    value: Callable[[], Any]
    kind: Kind = "text"


CategoryRow = aliased(Category, name="category")


def _tags() -> Any:
    return (
        select(func.string_agg(Tag.name, literal(", ")))
        .select_from(ClientTag)
        .join(Tag, Tag.id == ClientTag.tag_id)
        .where(ClientTag.client_id == Client.id)
        .scalar_subquery()
    )


def _choice(column: Any, labels: dict[str, str]) -> Callable[[], Any]:
    return lambda: case(*((column == key, literal(label)) for key, label in labels.items()), else_=column)


def _shipping(part: str) -> Callable[[], Any]:
    # A client shipped at its billing address shows that address in the shipping columns too.
    return lambda: case(
        (Client.shipping_same_as_billing, getattr(Client, f"billing_{part}")), else_=getattr(Client, f"shipping_{part}")
    )


CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("N° client", lambda: Client.id, "integer"),
    Column("Code comptable", lambda: Client.accounting_code, "code"),
    Column("Type", _choice(Client.kind, {"person": "Particulier", "company": "Société"})),
    Column("Civilité", lambda: Client.title),
    Column("Prénom", lambda: Client.first_name),
    Column("Nom", lambda: Client.last_name),
    Column("Société", lambda: Client.company_name),
    Column("Forme juridique", lambda: Client.legal_form),
    Column("SIREN", lambda: Client.siren, "code"),
    Column("SIRET", lambda: Client.siret, "code"),
    Column("N° TVA intracommunautaire", lambda: Client.vat_number),
    Column("E-mail", lambda: Client.email),
    Column("Téléphone", lambda: Client.phone, "code"),
    Column("Mobile", lambda: Client.mobile, "code"),
    Column("Adresse 1", lambda: Client.billing_line1),
    Column("Adresse 2", lambda: Client.billing_line2),
    Column("Adresse 3", lambda: Client.billing_line3),
    Column("Code postal", lambda: Client.billing_postal_code, "code"),
    Column("Ville", lambda: Client.billing_city),
    Column("Pays", lambda: Client.billing_country),
    Column("Livraison à l'adresse de facturation", lambda: Client.shipping_same_as_billing, "flag"),
    Column("Livraison adresse 1", _shipping("line1")),
    Column("Livraison adresse 2", _shipping("line2")),
    Column("Livraison adresse 3", _shipping("line3")),
    Column("Livraison code postal", _shipping("postal_code"), "code"),
    Column("Livraison ville", _shipping("city")),
    Column("Livraison pays", _shipping("country")),
    Column("Catégorie", lambda: CategoryRow.name),
    Column("Grille tarifaire", lambda: Client.price_grid_id, "integer"),
    Column("Étiquettes", _tags),
    Column("Accepte l'e-mailing", lambda: Client.accepts_emailing, "flag"),
    Column("Accepte le courrier", lambda: Client.accepts_mailing, "flag"),
    Column("Note", lambda: Client.note),
    Column("Note affichée sur les commandes", lambda: Client.show_note_on_orders, "flag"),
    Column("Bloqué", lambda: Client.blocked, "flag"),
    Column("Motif du blocage", lambda: Client.blocked_reason),
    Column("Bloqué le", lambda: Client.blocked_at, "date"),
    Column("Statut", _choice(Client.status, {"client": "Client", "prospect": "Prospect"})),
    Column("Commandes facturées", lambda: Client.invoiced_orders_count, "integer"),
    Column("Total facturé (€)", lambda: Client.invoiced_total_cents, "money"),
    Column("Dernière facturation le", lambda: Client.last_invoiced_at, "date"),
    Column("Dernière commande facturée", lambda: Client.last_invoiced_order_number),
    Column("Créé le", lambda: Client.created_at, "date"),
)


def client_name(order: NameOrder) -> Any:
    """The display name in SQL, as services.clients.base.domain.display_name builds it."""
    first, second = (
        (Client.first_name, Client.last_name) if order == "first_last" else (Client.last_name, Client.first_name)
    )
    person = func.nullif(func.concat_ws(literal(" "), first, second), literal(""))
    return case(
        (and_(Client.kind == "company", Client.company_name.is_not(None)), Client.company_name),
        else_=func.coalesce(person, Client.company_name, literal("")),
    )


def contact_columns(order: NameOrder) -> tuple[Column, ...]:
    """Columns of the contacts export: each contact with its client."""
    return (
        Column("N° client", lambda: Client.id, "integer"),
        Column("Code comptable", lambda: Client.accounting_code, "code"),
        Column("Client", lambda: client_name(order)),
        Column("N° contact", lambda: Contact.id, "integer"),
        Column("Civilité", lambda: Contact.title),
        Column("Prénom", lambda: Contact.first_name),
        Column("Nom", lambda: Contact.last_name),
        Column("Fonction", lambda: Contact.job_title),
        Column("E-mail", lambda: Contact.email),
        Column("Téléphone", lambda: Contact.phone, "code"),
        Column("Mobile", lambda: Contact.mobile, "code"),
        Column("Reçoit les devis", lambda: Contact.receives_quotes, "flag"),
        Column("Reçoit les pro forma", lambda: Contact.receives_proforma, "flag"),
        Column("Reçoit les factures", lambda: Contact.receives_invoices, "flag"),
        Column("Reçoit les relances", lambda: Contact.receives_dunning, "flag"),
    )


def spreadsheet_cell(column: Column, timezone: Any) -> Any:
    """The column formatted for French Excel in SQL: what the CSV carries, cell by cell."""
    value = column.value()
    match column.kind:
        case "text":
            return func.spreadsheet_text(value)
        case "code":
            return func.spreadsheet_code(value)
        case "money":
            return func.replace(
                func.to_char(value / literal(100.0), literal("FM9999999999999990.00")), literal("."), literal(",")
            )
        case "date":
            return func.to_char(func.timezone(timezone, value), literal("DD/MM/YYYY"))
        case "flag":
            return case((value, literal("Oui")), else_=literal("Non"))
    return value


def typed_cell(column: Column, timezone: Any) -> Any:
    """The column as a typed value for XLSX: dates in the account's time zone, money in cents."""
    value = column.value()
    if column.kind == "date":
        return cast(func.timezone(timezone, value), Date)
    return value
