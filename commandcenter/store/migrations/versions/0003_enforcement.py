"""lawful enforcement: users, hash-chained audit log, parties, decisions, issued documents

Revision ID: 0003_enforcement
Revises: 0001_core
Create Date: 2026-11-21 22:00:00

The audit log additionally gets append-only triggers (SQLite and PostgreSQL): the application never updates
or deletes audit records, and the database refuses it too. The hash chain is what detects tampering by anyone
who can bypass the triggers; the triggers only stop accidents and casual edits.
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_enforcement"
down_revision = "0001_core"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", Aware, nullable=True),
        sa.Column("last_login_at", Aware, nullable=True),
        sa.Column("created_at", Aware, nullable=False),
        sa.Column("updated_at", Aware, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", BigId, autoincrement=False, nullable=False),
        sa.Column("time", Aware, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_subject"), ["subject"], unique=False)
    op.create_table(
        "parties",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("shop_name", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_plate"), ["plate"], unique=False)
    op.create_table(
        "case_parties",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("party_id", BigId, nullable=False),
        sa.Column("added_at", Aware, nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_parties_case_id_cases"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_case_parties_party_id_parties"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_parties")),
        sa.UniqueConstraint("case_id", "party_id", name="uq_case_parties_case_party"),
    )
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_parties_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_parties_party_id"), ["party_id"], unique=False)
    op.create_table(
        "enforcement_decisions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("party_id", BigId, nullable=True),
        sa.Column("violation_code", sa.String(length=32), nullable=False),
        sa.Column("violation_name", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("circumstances", sa.Text(), nullable=False),
        sa.Column("proposed_min", sa.Float(), nullable=False),
        sa.Column("proposed_max", sa.Float(), nullable=False),
        sa.Column("proposed_amount", sa.Float(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("deviation_reason", sa.Text(), nullable=False),
        sa.Column("first_violation", sa.Boolean(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("is_major", sa.Boolean(), nullable=False),
        sa.Column("major_reason", sa.Text(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("reviewed_at", Aware, nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_enforcement_decisions_case_id_cases"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"],
                                name=op.f("fk_enforcement_decisions_party_id_parties"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_decisions")),
    )
    with op.batch_alter_table("enforcement_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enforcement_decisions_case_id"), ["case_id"], unique=False)
    op.create_table(
        "document_counters",
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("doc_type", "year", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "enforcement_documents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("decision_id", BigId, nullable=True),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", Aware, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_enforcement_documents_case_id_cases"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decision_id"], ["enforcement_decisions.id"],
                                name=op.f("fk_enforcement_documents_decision_id_enforcement_decisions"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_documents")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_enforcement_documents_doc_no")),
        sa.UniqueConstraint("doc_type", "year", "number", name="uq_enforcement_documents_type_year_number"),
    )
    with op.batch_alter_table("enforcement_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enforcement_documents_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_enforcement_documents_type_year", ["doc_type", "year"], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table("enforcement_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_documents_type_year")
        batch_op.drop_index(batch_op.f("ix_enforcement_documents_case_id"))
    op.drop_table("enforcement_documents")
    op.drop_table("document_counters")
    with op.batch_alter_table("enforcement_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_decisions_case_id"))
    op.drop_table("enforcement_decisions")
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_parties_party_id"))
        batch_op.drop_index(batch_op.f("ix_case_parties_case_id"))
    op.drop_table("case_parties")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_plate"))
        batch_op.drop_index(batch_op.f("ix_parties_id_number"))
    op.drop_table("parties")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject"))
    op.drop_table("audit_log")
    op.drop_table("users")
