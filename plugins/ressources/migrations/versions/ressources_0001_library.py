"""ressources: the shared library (resources, themes, files, history, collections, uses, reports, follows)

Revision ID: ressources_0001
Revises:
Create Date: 2026-11-26
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import qn_portal.dbtypes

revision = "ressources_0001"
down_revision = None
branch_labels = ("ressources",)
# The core's user_account and association tables must exist first (PostgreSQL checks foreign keys at once).
depends_on = ("core_0002_associations",)

# The data·inclusion thématiques of digital inclusion, then the workshop themes médiateurs use every day.
THEMES = [
    ("numerique--maitriser-les-fondamentaux-du-numerique", "Maîtriser les fondamentaux du numérique"),
    ("numerique--acceder-a-des-services-en-ligne", "Accéder à des services en ligne"),
    ("numerique--acquerir-un-equipement", "Acquérir un équipement"),
    ("numerique--acceder-a-une-connexion-internet", "Accéder à une connexion internet"),
    ("smartphone", "Smartphone et tablette"),
    ("e-mail", "E-mail"),
    ("demarches-en-ligne", "Démarches en ligne"),
    ("sante", "Santé"),
    ("banque", "Banque et paiements"),
    ("emploi", "Emploi"),
    ("parentalite", "Parentalité et école"),
    ("securite", "Sécurité et vie privée"),
    ("bureautique", "Bureautique"),
    ("reseaux-sociaux", "Réseaux sociaux et communication"),
]


def _id():
    return sa.Column("id", sa.Integer(), nullable=False)


def _when(name="created_at", nullable=False):
    return sa.Column(name, qn_portal.dbtypes.UTCDateTime(), nullable=nullable)


def upgrade():
    theme = op.create_table(
        "ressources_theme",
        _id(),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_theme")),
        sa.UniqueConstraint("slug", name=op.f("uq_ressources_theme_slug")),
    )
    op.create_table(
        "ressources_resource",
        _id(),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("licence", sa.String(length=30), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("original_id", sa.Integer(), nullable=True),
        sa.Column("original_credit", sa.Text(), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("rating_score", sa.Integer(), nullable=False),
        sa.Column("version_count", sa.Integer(), nullable=False),
        _when(),
        _when("updated_at"),
        _when("published_at", nullable=True),
        sa.ForeignKeyConstraint(["association_id"], ["association.id"],
                                name=op.f("fk_ressources_resource_association_id_association"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_ressources_resource_author_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["original_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_resource_original_id_ressources_resource"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_resource")),
    )
    op.create_index("ix_ressources_resource_status_published", "ressources_resource",
                    ["status", "visibility", "published_at"])
    op.create_index("ix_ressources_resource_status_usage", "ressources_resource", ["status", "usage_count"])
    op.create_index("ix_ressources_resource_status_rating", "ressources_resource", ["status", "rating_score"])
    op.create_index("ix_ressources_resource_association", "ressources_resource", ["association_id", "status"])
    op.create_index("ix_ressources_resource_author", "ressources_resource", ["author_id", "status"])
    op.create_index("ix_ressources_resource_kind", "ressources_resource", ["kind"])
    op.create_index("ix_ressources_resource_level", "ressources_resource", ["level"])
    op.create_index("ix_ressources_resource_licence", "ressources_resource", ["licence"])
    op.create_index(op.f("ix_ressources_resource_original_id"), "ressources_resource", ["original_id"])

    op.create_table(
        "ressources_resource_theme",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_resource_theme_resource_id_ressources_resource"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["ressources_theme.id"],
                                name=op.f("fk_ressources_resource_theme_theme_id_ressources_theme"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "theme_id", name=op.f("pk_ressources_resource_theme")),
    )
    op.create_index("ix_ressources_resource_theme_theme", "ressources_resource_theme", ["theme_id", "resource_id"])
    op.create_table(
        "ressources_resource_audience",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_resource_audience_resource_id_ressources_resource"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "audience", name=op.f("pk_ressources_resource_audience")),
    )
    op.create_index("ix_ressources_resource_audience_audience", "ressources_resource_audience",
                    ["audience", "resource_id"])
    op.create_table(
        "ressources_attachment",
        _id(),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_attachment_resource_id_ressources_resource"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_attachment")),
    )
    op.create_index(op.f("ix_ressources_attachment_resource_id"), "ressources_attachment", ["resource_id"])
    op.create_index(op.f("ix_ressources_attachment_file_key"), "ressources_attachment", ["file_key"])
    op.create_table(
        "ressources_link",
        _id(),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_link_resource_id_ressources_resource"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_link")),
    )
    op.create_index(op.f("ix_ressources_link_resource_id"), "ressources_link", ["resource_id"])
    op.create_table(
        "ressources_version",
        _id(),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _when(),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_version_resource_id_ressources_resource"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_ressources_version_author_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_version")),
        sa.UniqueConstraint("resource_id", "number", name="uq_ressources_version_number"),
    )
    op.create_table(
        "ressources_collection",
        _id(),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        _when(),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"],
                                name=op.f("fk_ressources_collection_owner_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_collection")),
    )
    op.create_index(op.f("ix_ressources_collection_owner_id"), "ressources_collection", ["owner_id"])
    op.create_index(op.f("ix_ressources_collection_shared"), "ressources_collection", ["shared"])
    op.create_table(
        "ressources_collection_item",
        _id(),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["ressources_collection.id"],
                                name=op.f("fk_ressources_collection_item_collection_id_ressources_collection"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_collection_item_resource_id_ressources_resource"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_collection_item")),
        sa.UniqueConstraint("collection_id", "resource_id", name="uq_ressources_collection_item"),
    )
    op.create_index(op.f("ix_ressources_collection_item_resource_id"), "ressources_collection_item", ["resource_id"])
    op.create_table(
        "ressources_favourite",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_ressources_favourite_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_favourite_resource_id_ressources_resource"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "resource_id", name=op.f("pk_ressources_favourite")),
    )
    op.create_index(op.f("ix_ressources_favourite_resource_id"), "ressources_favourite", ["resource_id"])
    op.create_table(
        "ressources_usage",
        _id(),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_usage_resource_id_ressources_resource"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_ressources_usage_user_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_usage")),
        sa.UniqueConstraint("resource_id", "user_id", name="uq_ressources_usage_user"),
    )
    op.create_index(op.f("ix_ressources_usage_user_id"), "ressources_usage", ["user_id"])
    op.create_table(
        "ressources_comment",
        _id(),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_comment_resource_id_ressources_resource"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_ressources_comment_author_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_comment")),
    )
    op.create_index(op.f("ix_ressources_comment_resource_id"), "ressources_comment", ["resource_id"])
    op.create_table(
        "ressources_report",
        _id(),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        _when("handled_at", nullable=True),
        _when(),
        sa.ForeignKeyConstraint(["resource_id"], ["ressources_resource.id"],
                                name=op.f("fk_ressources_report_resource_id_ressources_resource"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["user_account.id"],
                                name=op.f("fk_ressources_report_reporter_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["user_account.id"],
                                name=op.f("fk_ressources_report_handled_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_report")),
    )
    op.create_index(op.f("ix_ressources_report_resource_id"), "ressources_report", ["resource_id"])
    op.create_index(op.f("ix_ressources_report_open"), "ressources_report", ["open"])
    op.create_table(
        "ressources_follow",
        _id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("association_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_ressources_follow_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["ressources_theme.id"],
                                name=op.f("fk_ressources_follow_theme_id_ressources_theme"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["association_id"], ["association.id"],
                                name=op.f("fk_ressources_follow_association_id_association"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ressources_follow")),
        sa.UniqueConstraint("user_id", "theme_id", name="uq_ressources_follow_theme"),
        sa.UniqueConstraint("user_id", "association_id", name="uq_ressources_follow_association"),
    )
    op.create_index(op.f("ix_ressources_follow_theme_id"), "ressources_follow", ["theme_id"])
    op.create_index(op.f("ix_ressources_follow_association_id"), "ressources_follow", ["association_id"])

    now = datetime.now(UTC)
    op.bulk_insert(theme, [{"slug": slug, "label": label, "active": True, "created_at": now} for slug, label in THEMES])


def downgrade():
    for name in ("ressources_follow", "ressources_report", "ressources_comment", "ressources_usage",
                 "ressources_favourite", "ressources_collection_item", "ressources_collection", "ressources_version",
                 "ressources_link", "ressources_attachment", "ressources_resource_audience",
                 "ressources_resource_theme", "ressources_resource", "ressources_theme"):
        op.drop_table(name)
