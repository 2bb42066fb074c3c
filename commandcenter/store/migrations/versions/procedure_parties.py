"""parties: encrypted ID number and phone with blind indexes, 统一社会信用代码 and licence (issue 16)

Revision ID: procedure_parties
Revises: 0003_enforcement
Create Date: 2026-12-02 07:20:00

``parties.id_number``/``phone`` keep only the masked form from now on; the values are Fernet tokens in
``id_cipher``/``phone_cipher`` (key outside the database) with HMAC blind indexes for exact lookup.
"""
import sqlalchemy as sa
from alembic import op

revision = "procedure_parties"
down_revision = "0003_enforcement"
branch_labels = None
depends_on = None

COLUMNS = (
    ("id_cipher", sa.Text()), ("id_index", sa.String(length=64)), ("phone_cipher", sa.Text()),
    ("phone_index", sa.String(length=64)), ("credit_code", sa.String(length=18)), ("licence", sa.String(length=64)),
)
INDEXED = ("id_index", "phone_index", "credit_code")


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=""))
    for name in INDEXED:
        op.create_index(op.f(f"ix_parties_{name}"), "parties", [name])


def downgrade() -> None:
    for name in INDEXED:
        op.drop_index(op.f(f"ix_parties_{name}"), table_name="parties")
    with op.batch_alter_table("parties") as batch:
        for name, _type in COLUMNS:
            batch.drop_column(name)
