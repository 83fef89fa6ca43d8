"""campaign images are kept in the files' storage (local folder or S3), named by a key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('campaign_images', sa.Column('storage_key', sa.String(length=300), nullable=True))
    op.add_column('campaign_images', sa.Column('size', sa.BigInteger(), nullable=True))
    op.execute("UPDATE campaign_images SET size = octet_length(data)")
    op.alter_column('campaign_images', 'size', nullable=False)
    # The images already here stay until the render worker moves them into the storage: the
    # migration cannot reach the storage's folder, which only the API and the worker mount.
    op.alter_column('campaign_images', 'data', nullable=True)
    op.create_check_constraint(op.f('ck_campaign_images_stored'), 'campaign_images',
                               'storage_key IS NOT NULL OR data IS NOT NULL')


def downgrade() -> None:
    # An image held only in the storage has no bytes here to go back to: refuse rather than lose it.
    op.execute("""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM campaign_images WHERE data IS NULL) THEN
                RAISE EXCEPTION 'campaign images are held in the files storage only: cannot downgrade';
            END IF;
        END $$""")
    op.drop_constraint(op.f('ck_campaign_images_stored'), 'campaign_images', type_='check')
    op.alter_column('campaign_images', 'data', nullable=False)
    op.drop_column('campaign_images', 'size')
    op.drop_column('campaign_images', 'storage_key')
