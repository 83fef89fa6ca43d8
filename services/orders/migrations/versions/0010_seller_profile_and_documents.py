"""the seller's invoicing profile, the client's kind in the replica, and the stored PDFs of invoices and credit notes

Invoices and credit notes issued before this have no stored document (their columns stay empty): their
PDF cannot be produced now without printing today's seller profile on a past invoice, so it is not.
The replica's kind is empty for clients no snapshot has reached since; the next one fills it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DOCUMENT_COLUMNS = (
    ("document_key", sa.String(300)),
    ("document_sha256", sa.String(64)),
    ("credit_note_document_key", sa.String(300)),
    ("credit_note_document_sha256", sa.String(64)),
)


def upgrade() -> None:
    op.create_table(
        "seller_profiles",
        sa.Column("account_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("legal_name", sa.String(200), nullable=True),
        sa.Column("legal_form", sa.String(50), nullable=True),
        sa.Column("address_lines", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("postal_code", sa.String(16), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("country_code", sa.String(2), server_default="FR", nullable=False),
        sa.Column("siren", sa.String(9), nullable=True),
        sa.Column("siret", sa.String(14), nullable=True),
        sa.Column("vat_number", sa.String(16), nullable=True),
        sa.Column("rcs_city", sa.String(100), nullable=True),
        sa.Column("share_capital_cents", sa.BigInteger(), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(30), nullable=True),
        sa.Column("iban", sa.String(42), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), server_default=sa.text("30"), nullable=False),
        sa.Column("payment_terms_text", sa.String(300), nullable=True),
        sa.Column(
            "late_penalty_rate",
            sa.String(300),
            server_default="trois fois le taux d'intérêt légal",
            nullable=False,
        ),
        sa.Column("vat_exemption", sa.String(300), nullable=True),
        sa.Column("logo_key", sa.String(300), nullable=True),
        sa.Column("logo_mime_type", sa.String(20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "payment_terms_days BETWEEN 0 AND 365", name=op.f("ck_seller_profiles_payment_terms_days_range")
        ),
        sa.CheckConstraint("share_capital_cents >= 0", name=op.f("ck_seller_profiles_share_capital_not_negative")),
    )
    op.add_column("client_replicas", sa.Column("kind", sa.String(10), nullable=True))
    for name, column_type in DOCUMENT_COLUMNS:
        op.add_column("invoices", sa.Column(name, column_type, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(DOCUMENT_COLUMNS):
        op.drop_column("invoices", name)
    op.drop_column("client_replicas", "kind")
    op.drop_table("seller_profiles")
