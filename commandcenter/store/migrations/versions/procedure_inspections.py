"""joint_inspections: 综合查一次 — one visit to one business by several departments, results recorded once
(issue 16)

Revision ID: procedure_inspections
Revises: procedure_powers
Create Date: 2026-12-02 08:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "procedure_inspections"
down_revision = "procedure_powers"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "joint_inspections",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("party_id", BigId, nullable=False),
        sa.Column("planned_for", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", Aware, nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_joint_inspections_party_id_parties"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_inspections")),
    )
    op.create_index(op.f("ix_joint_inspections_party_id"), "joint_inspections", ["party_id"])
    op.create_table(
        "joint_inspection_items",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("inspection_id", BigId, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["joint_inspections.id"],
                                name=op.f("fk_joint_inspection_items_inspection_id_joint_inspections"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_inspection_items")),
    )
    op.create_index(op.f("ix_joint_inspection_items_inspection_id"), "joint_inspection_items", ["inspection_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_joint_inspection_items_inspection_id"), table_name="joint_inspection_items")
    op.drop_table("joint_inspection_items")
    op.drop_index(op.f("ix_joint_inspections_party_id"), table_name="joint_inspections")
    op.drop_table("joint_inspections")
