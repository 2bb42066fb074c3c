"""procedure_steps: 告知, 陈述申辩, 决定, 执行, 结案归档 and 当场处罚 with the document each issued (issue 16)

Revision ID: procedure_steps
Revises: procedure_parties
Create Date: 2026-12-02 07:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "procedure_steps"
down_revision = "procedure_parties"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "procedure_steps",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("decision_id", BigId, nullable=True),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("document_id", BigId, nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", Aware, nullable=False),
        sa.Column("deadline", Aware, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_procedure_steps_case_id_cases"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decision_id"], ["enforcement_decisions.id"],
                                name=op.f("fk_procedure_steps_decision_id_enforcement_decisions"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["document_id"], ["enforcement_documents.id"],
                                name=op.f("fk_procedure_steps_document_id_enforcement_documents"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_steps")),
    )
    op.create_index(op.f("ix_procedure_steps_case_id"), "procedure_steps", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_procedure_steps_case_id"), table_name="procedure_steps")
    op.drop_table("procedure_steps")
