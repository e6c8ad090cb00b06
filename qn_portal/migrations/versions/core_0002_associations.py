"""core: association profiles and the neighbourhoods (QPV, quartiers de veille) they work in

Creates ``neighbourhood`` and seeds it with well-known QPV of the métropole (no official code: a
coordinator fills them in). Extends ``association`` with the profile; its free-text ``neighbourhood``
becomes the foreign key ``neighbourhood_id`` when it names a known neighbourhood of the same commune, and is
otherwise kept in ``address`` (as "Quartier : …") so that nothing typed is lost. Communes typed in another
case take the official spelling.

Revision ID: core_0002_associations
Revises: 7b412c1a1957
"""
from alembic import op
import sqlalchemy as sa
import qn_portal.dbtypes
from datetime import UTC, datetime


revision = 'core_0002_associations'
down_revision = '7b412c1a1957'
branch_labels = None
depends_on = None

# A copy, not an import: a migration must keep doing what it did when the application code moves on.
COMMUNES = (
    "Ambarès-et-Lagrave", "Ambès", "Artigues-près-Bordeaux", "Bassens", "Bègles", "Blanquefort", "Bordeaux",
    "Bouliac", "Le Bouscat", "Bruges", "Carbon-Blanc", "Cenon", "Eysines", "Floirac", "Gradignan",
    "Le Haillan", "Lormont", "Martignas-sur-Jalle", "Mérignac", "Parempuyre", "Pessac", "Saint-Aubin-de-Médoc",
    "Saint-Louis-de-Montferrand", "Saint-Médard-en-Jalles", "Saint-Vincent-de-Paul", "Le Taillan-Médoc",
    "Talence", "Villenave-d'Ornon",
)
SEED = (
    ("Grand Parc", "Bordeaux"), ("Bacalan", "Bordeaux"), ("Les Aubiers", "Bordeaux"), ("Saint-Michel", "Bordeaux"),
    ("Benauge", "Bordeaux"), ("Carriet", "Lormont"), ("Palmer", "Cenon"), ("Dravemont", "Floirac"),
    ("Saige", "Pessac"), ("Thouars", "Talence"), ("Beaudésert", "Mérignac"),
)

neighbourhood = sa.table(
    "neighbourhood",
    sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("commune", sa.String),
    sa.column("kind", sa.String), sa.column("code", sa.String),
    sa.column("created_at", qn_portal.dbtypes.UTCDateTime()),
)


def association_table(*columns):
    return sa.table("association", sa.column("id", sa.Integer), sa.column("commune", sa.String), *columns)


def upgrade():
    op.create_table('neighbourhood',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood')),
    sa.UniqueConstraint('commune', 'name', name=op.f('uq_neighbourhood_commune'))
    )
    now = datetime.now(UTC)
    op.bulk_insert(neighbourhood, [
        {"name": name, "commune": commune, "kind": "qpv", "code": "", "created_at": now} for name, commune in SEED
    ])

    with op.batch_alter_table('association', schema=None) as batch_op:
        batch_op.add_column(sa.Column('siret', sa.String(length=14), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rna', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('address', sa.String(length=250), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postal_code', sa.String(length=5), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('neighbourhood_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('opening_hours', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('room_capacity', sa.Integer(), nullable=False, server_default='10'))
        batch_op.add_column(sa.Column('room_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cohort', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='candidate'))
        batch_op.add_column(sa.Column('share_contacts', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('updated_at', qn_portal.dbtypes.UTCDateTime(), nullable=True))

    move_neighbourhood_text(now)

    with op.batch_alter_table('association', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=qn_portal.dbtypes.UTCDateTime(), nullable=False)
        batch_op.drop_column('neighbourhood')
        batch_op.create_foreign_key(batch_op.f('fk_association_neighbourhood_id_neighbourhood'), 'neighbourhood',
                                    ['neighbourhood_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_index(batch_op.f('ix_association_neighbourhood_id'), ['neighbourhood_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_association_commune'), ['commune'], unique=False)
        batch_op.create_index(batch_op.f('ix_association_cohort'), ['cohort'], unique=False)
        batch_op.create_index(batch_op.f('ix_association_status'), ['status'], unique=False)


def move_neighbourhood_text(now):
    """The old free text becomes the foreign key when it names a known neighbourhood; else it goes to the address."""
    connection = op.get_bind()
    old = association_table(sa.column("neighbourhood", sa.String), sa.column("address", sa.String),
                            sa.column("neighbourhood_id", sa.Integer), sa.column("updated_at", qn_portal.dbtypes.UTCDateTime()))
    known = {(row.name.casefold(), row.commune): row.id
             for row in connection.execute(sa.select(neighbourhood.c.id, neighbourhood.c.name, neighbourhood.c.commune))}
    communes = {commune.casefold(): commune for commune in COMMUNES}
    for row in connection.execute(sa.select(old.c.id, old.c.commune, old.c.neighbourhood)).all():
        commune = communes.get((row.commune or "").strip().casefold(), row.commune)
        text = (row.neighbourhood or "").strip()
        values = {"commune": commune, "updated_at": now}
        if text:
            neighbourhood_id = known.get((text.casefold(), commune))
            if neighbourhood_id is not None:
                values["neighbourhood_id"] = neighbourhood_id
            else:
                values["address"] = f"Quartier : {text}"[:250]
        connection.execute(sa.update(old).where(old.c.id == row.id).values(**values))


def downgrade():
    with op.batch_alter_table('association', schema=None) as batch_op:
        batch_op.add_column(sa.Column('neighbourhood', sa.String(length=150), nullable=False, server_default=''))

    connection = op.get_bind()
    current = association_table(sa.column("neighbourhood", sa.String), sa.column("neighbourhood_id", sa.Integer),
                                sa.column("address", sa.String))
    names = {row.id: row.name for row in connection.execute(sa.select(neighbourhood.c.id, neighbourhood.c.name))}
    for row in connection.execute(sa.select(current.c.id, current.c.neighbourhood_id, current.c.address)).all():
        if row.neighbourhood_id in names:
            text = names[row.neighbourhood_id]
        elif (row.address or "").startswith("Quartier : "):
            text = row.address[len("Quartier : "):]  # what the upgrade kept aside
        else:
            continue
        connection.execute(sa.update(current).where(current.c.id == row.id).values(neighbourhood=text[:150]))

    with op.batch_alter_table('association', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_association_status'))
        batch_op.drop_index(batch_op.f('ix_association_cohort'))
        batch_op.drop_index(batch_op.f('ix_association_commune'))
        batch_op.drop_index(batch_op.f('ix_association_neighbourhood_id'))
        batch_op.drop_constraint(batch_op.f('fk_association_neighbourhood_id_neighbourhood'), type_='foreignkey')
        for column in ('updated_at', 'share_contacts', 'status', 'cohort', 'room_days', 'room_capacity',
                       'opening_hours', 'website', 'phone', 'email', 'neighbourhood_id', 'postal_code',
                       'address', 'rna', 'siret'):
            batch_op.drop_column(column)
    op.drop_table('neighbourhood')
