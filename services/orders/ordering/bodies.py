"""An order as the API shows it and as events carry it, with the shipments and payments that followed it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.orders.catalogue.domain import container_payload
from services.orders.models import Invoice, Order, OrderLine, Payment, Shipment, ShipmentLine
from services.orders.pricing.taxes import TaxedLine, TaxTotals, tax_totals
from shared.events.orders import OrderPayload, ProductLinePayload, VatAmountPayload


def order_taxes(includes_tax: bool, lines: list[OrderLine]) -> TaxTotals:
    """An order's totals by the tax rule, from its lines' snapshots."""
    return tax_totals(
        (TaxedLine(line.line_total_cents, line.vat_rate, line.excise_cents) for line in lines),
        includes_tax=includes_tax,
    )


def vat_breakdown(totals: TaxTotals) -> list[VatAmountPayload]:
    """The VAT per rate as events carry it and invoices store it."""
    return [VatAmountPayload(rate=v.rate, base_cents=v.base_cents, amount_cents=v.amount_cents) for v in totals.vat]


def taxes_body(totals: TaxTotals) -> dict[str, Any]:
    """An order's tax breakdown for the API."""
    return {
        "prices_include_tax": totals.includes_tax,
        "total_excl_tax_cents": totals.total_excl_tax_cents,
        "vat": [v.model_dump() for v in vat_breakdown(totals)],
        "excise_cents": totals.excise_cents,
        "total_cents": totals.total_cents,
    }


def line_payload(line: OrderLine, detail: Any) -> ProductLinePayload:
    """An order line as events carry it."""
    return ProductLinePayload(
        order_line_id=line.id,
        variant_id=line.variant_id,
        product_id=detail.product_id,
        product_name=detail.product_name,
        vintage=detail.vintage,
        container=container_payload(detail),
        quantity=line.quantity,
        unit_price_cents=line.unit_price_cents,
        line_total_cents=line.line_total_cents,
        vat_rate=line.vat_rate,
        excise_cents=line.excise_cents,
    )


def order_payload(order: Order, lines: list[OrderLine], details: dict[int, Any]) -> OrderPayload:
    """An order as events carry it."""
    return OrderPayload(
        order_id=order.id,
        order_number=order.number,
        client_id=order.client_id,
        ship_to_client_id=order.ship_to_client_id,
        state=order.state,
        version=order.version,
        total_cents=order.total_cents,
        currency=order.currency,
        created_at=order.created_at,
        lines=[line_payload(line, details[line.variant_id]) for line in lines],
    )


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """What followed an order: its shipments with their lines, and its payments."""

    shipments: list[Shipment] = field(default_factory=list)
    shipment_lines: list[ShipmentLine] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


def order_body(
    order: Order,
    *,
    lines: list[OrderLine],
    details: dict[int, Any],
    invoice: Invoice | None,
    fulfilment: Fulfilment,
) -> dict[str, Any]:
    """Everything about an order for the API."""
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    for shipped_line in fulfilment.shipment_lines:
        shipped[shipped_line.order_line_id] += shipped_line.quantity
    return {
        "id": order.id,
        "number": order.number,
        "client_id": order.client_id,
        "ship_to_client_id": order.ship_to_client_id,
        "state": order.state,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "paid_cents": sum(p.amount_cents for p in fulfilment.payments),
        "banner": order.banner,
        "created_at": order.created_at,
        "taxes": taxes_body(order_taxes(order.prices_include_tax, lines)),
        "lines": [
            {
                "id": line.id,
                "variant_id": line.variant_id,
                "product_name": details[line.variant_id].product_name,
                "container_short_name": details[line.variant_id].short_name,
                "vintage": details[line.variant_id].vintage,
                "quantity": line.quantity,
                "shipped_quantity": shipped.get(line.id, Decimal(0)),
                "unit_price_cents": line.unit_price_cents,
                "price_rule": line.price_rule,
                "line_total_cents": line.line_total_cents,
                "vat_rate": line.vat_rate,
                "excise_cents": line.excise_cents,
            }
            for line in lines
        ],
        "invoice": None
        if invoice is None
        else {
            "id": invoice.id,
            "number": invoice.number,
            "issued_at": invoice.issued_at,
            "prices_include_tax": invoice.prices_include_tax,
            "total_excl_tax_cents": invoice.total_excl_tax_cents,
            "vat": invoice.vat,
            "excise_cents": invoice.excise_cents,
            "total_cents": invoice.total_cents,
            "credit_note_number": invoice.credit_note_number,
            "cancelled_at": invoice.cancelled_at,
            "document_url": f"/api/orders/{order.id}/invoice.pdf" if invoice.document_key else None,
            "credit_note_document_url": f"/api/orders/{order.id}/credit-note.pdf"
            if invoice.credit_note_document_key
            else None,
        },
        "shipments": shipments_body(fulfilment, lines=lines, details=details),
        "payments": [payment_body(payment) for payment in fulfilment.payments],
    }


def shipments_body(fulfilment: Fulfilment, *, lines: list[OrderLine], details: dict[int, Any]) -> list[dict[str, Any]]:
    """An order's shipments for the API, oldest first, each with its date, ship-to client and lines."""
    variant_of = {line.id: line.variant_id for line in lines}
    lines_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for shipped_line in fulfilment.shipment_lines:
        detail = details[variant_of[shipped_line.order_line_id]]
        lines_of[shipped_line.shipment_id].append(
            {
                "order_line_id": shipped_line.order_line_id,
                "variant_id": variant_of[shipped_line.order_line_id],
                "product_name": detail.product_name,
                "container_short_name": detail.short_name,
                "vintage": detail.vintage,
                "quantity": shipped_line.quantity,
            }
        )
    return [
        {
            "id": shipment.id,
            "shipped_at": shipment.shipped_at,
            "ship_to_client_id": shipment.ship_to_client_id,
            "lines": lines_of[shipment.id],
        }
        for shipment in fulfilment.shipments
    ]


def payment_body(payment: Payment) -> dict[str, Any]:
    """A payment for the API."""
    return {
        "id": payment.id,
        "paid_at": payment.paid_at,
        "amount_cents": payment.amount_cents,
        "method": payment.method,
    }
