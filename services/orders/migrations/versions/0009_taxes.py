"""taxes: a VAT rate and an excise per litre on products, snapshots on order lines, totals on invoices

Existing rows follow services/orders/pricing/taxes.py as they stand: products, and so every
existing line, get the standard 20.00 % rate and no excise; every existing order is read as priced
with tax included. Their recorded total was the sum of their lines, which is exactly the total incl.
tax of the rule for a grid with tax, so no order or invoice total changes (payments already
compared against them stay right). Each existing invoice gets its snapshot from the rule on that
total: base = round half up (total x 100 / 120), VAT = total - base, no excise.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("products", sa.Column("vat_rate", sa.Numeric(4, 2), server_default=sa.text("20.00"), nullable=False))
    op.add_column(
        "products", sa.Column("excise_cents_per_litre", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
    )
    op.create_check_constraint(op.f("ck_products_vat_rate_range"), "products", "vat_rate >= 0 AND vat_rate < 100")
    op.create_check_constraint(op.f("ck_products_excise_not_negative"), "products", "excise_cents_per_litre >= 0")

    # The defaults only fill the rows that exist: new lines, orders and invoices always say theirs.
    op.add_column("order_lines", sa.Column("vat_rate", sa.Numeric(4, 2), server_default=sa.text("20.00"), nullable=False))
    op.add_column("order_lines", sa.Column("excise_cents", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.add_column("orders", sa.Column("prices_include_tax", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("invoices", sa.Column("prices_include_tax", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("invoices", sa.Column("total_excl_tax_cents", sa.BigInteger(), nullable=True))
    op.add_column("invoices", sa.Column("vat", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("invoices", sa.Column("excise_cents", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    # PostgreSQL's round() on numeric rounds half away from zero: half up for these non-negative totals.
    op.execute(
        """
        UPDATE invoices SET total_excl_tax_cents = s.base,
               vat = jsonb_build_array(jsonb_build_object(
                   'rate', '20.00', 'base_cents', s.base, 'amount_cents', invoices.total_cents - s.base))
        FROM (SELECT id, round(total_cents::numeric * 100 / 120)::bigint AS base FROM invoices) AS s
        WHERE s.id = invoices.id
        """
    )
    op.alter_column("invoices", "total_excl_tax_cents", nullable=False)
    op.alter_column("invoices", "vat", nullable=False)
    for table, column in (
        ("order_lines", "vat_rate"),
        ("order_lines", "excise_cents"),
        ("orders", "prices_include_tax"),
        ("invoices", "prices_include_tax"),
        ("invoices", "excise_cents"),
    ):
        op.alter_column(table, column, server_default=None)


def downgrade() -> None:
    for column in ("excise_cents", "vat", "total_excl_tax_cents", "prices_include_tax"):
        op.drop_column("invoices", column)
    op.drop_column("orders", "prices_include_tax")
    op.drop_column("order_lines", "excise_cents")
    op.drop_column("order_lines", "vat_rate")
    op.drop_constraint(op.f("ck_products_excise_not_negative"), "products", type_="check")
    op.drop_constraint(op.f("ck_products_vat_rate_range"), "products", type_="check")
    op.drop_column("products", "excise_cents_per_litre")
    op.drop_column("products", "vat_rate")
