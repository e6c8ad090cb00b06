"""The core's commands under ``qn-portal``: db, create-admin, users, seed-demo, plugins, search, audit, backup,
restore (``serve`` is in ``serving.py``)."""

from __future__ import annotations

import click
import flask_migrate
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext

from .accounts.models import ADMIN, User, normalise_email
from .accounts.passwords import hash_password, password_problem
from .accounts.services import reset_two_factor
from .backup import backup_command, restore_command
from .dbtypes import utcnow
from .extensions import db
from .plugins import get_host
from .security import audit


@click.group("db")
def db_group():
    """Database migrations: the core's and every plugin's Alembic branch."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(revision):
    """Apply migrations (by default every branch's head)."""
    flask_migrate.upgrade(revision=revision)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    """Revert migrations down to REVISION (e.g. ``base`` or ``ressources@base``)."""
    flask_migrate.downgrade(revision=revision)


@db_group.command("current")
@with_appcontext
def db_current():
    """Show the revision the database is at, per branch."""
    flask_migrate.current()


@db_group.command("heads")
@with_appcontext
def db_heads():
    """Show every branch's head."""
    flask_migrate.heads()


@db_group.command("revision")
@click.option("--plugin", "plugin", required=True, help="The plugin (or 'core') the revision belongs to.")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True, help="Compare the plugin's models with the database.")
@with_appcontext
def db_revision(plugin, message, autogenerate):
    """Create a revision in one plugin's branch (the first one starts the branch)."""
    from alembic.script import ScriptDirectory

    from .migrations_support import alembic_config

    folders = get_host().migration_folders()
    if plugin not in folders:
        raise click.BadParameter(f"no migrations folder for {plugin!r}", param_hint="--plugin")
    script = ScriptDirectory.from_config(alembic_config())
    has_branch = plugin in {label for rev in script.walk_revisions() for label in (rev.branch_labels or ())}
    current_app.config["QN_AUTOGENERATE_ONLY"] = plugin
    flask_migrate.revision(
        message=message,
        autogenerate=autogenerate,
        head=f"{plugin}@head" if has_branch else "base",
        branch_label=None if has_branch else plugin,
        version_path=None if has_branch else folders[plugin],
    )


@db_group.command("check")
@with_appcontext
def db_check():
    """Fail if the models and the migrated database differ."""
    flask_migrate.check()


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Nom", default="")
@click.password_option(prompt="Mot de passe")
@with_appcontext
def create_admin(email, name, password):
    """Create an admin account (or make an existing account admin)."""
    email = normalise_email(email)
    try:  # the login form would refuse a malformed address: an admin who can never sign in is no admin
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from error
    problem = password_problem(password, [email, name])
    if problem:
        raise click.ClickException(str(problem))
    user = User.by_email(email) or User(email=email)
    user.name = name or user.name
    user.role = ADMIN
    user.active = True
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.commit()
    audit("account.admin_granted", target=user, account_id=user.id)
    click.echo(f"Admin ready: {email}")


@click.group("users")
def users_group():
    """Accounts: what an operator does from the server when no admin can do it from the pages."""


@users_group.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def users_reset_two_factor(email):
    """Turn off two-factor sign-in for EMAIL, who lost their phone and recovery codes (e.g. the last admin).

    Its secret, recovery codes and trusted browsers are deleted and every session of the account ends: the next
    sign-in takes the password alone, then enrolment again if the role requires a second factor."""
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {normalise_email(email)!r}.")
    if not user.totp_secret:
        click.echo(f"{user.email} has no two-factor sign-in: nothing to reset.")
        return
    ended = reset_two_factor(user)
    db.session.commit()
    # No one is signed in here: the entry names the account and says where the reset came from.
    audit("two_factor.reset", target=user, account_id=user.id, via="command line", sessions_ended=ended)
    click.echo(f"Two-factor sign-in turned off for {user.email}; {ended} session(s) ended. "
               "They sign in with their password and can enrol again from their profile.")


@click.command("seed-demo")
@click.option("--volume", type=click.Choice(["d1", "tiny"]), default=None,
              help="Also generate bulk data at this volume, for the benchmark (bench/): d1 is 10⁴ resources…")
@with_appcontext
def seed_demo_command(volume):
    """Add the demo associations, accounts and every plugin's demo data, once."""
    from .contributions import DEMO_VOLUMES
    from .demo import DEMO_USERS, seed_demo

    demo = seed_demo(log=click.echo, volume=DEMO_VOLUMES[volume] if volume else None)
    if demo is None:
        click.echo("Demo data already present: nothing to do.")
        return
    from .search import reindex

    click.echo(f"{reindex()} documents indexed for search.")  # every plugin's demo data, found at once
    if volume:
        from .demo_volume import analyze

        analyze()
    click.echo("Demo accounts (password below, shown once):")
    for email, _name, role, association, association_role in DEMO_USERS.values():
        detail = f"{association_role} of {association.upper()}" if association else role
        click.echo(f"  {email:<28} {detail}")
    click.echo(f"  password: {demo.password}")


@click.command("plugins")
@with_appcontext
def plugins_command():
    """List plugins: name, version, enabled, state."""
    host = get_host()
    click.echo(f"{'name':<20} {'version':<10} {'enabled':<8} state")
    for name, info in host.plugins.items():
        if info.core:
            continue
        state = "loaded" if info.loaded else f"error: {info.error}"
        enabled = "yes" if host.is_enabled(name) else "no"
        click.echo(f"{name:<20} {info.version:<10} {enabled:<8} {state}")


@click.group("search")
def search_group():
    """The portal's search index."""


@search_group.command("reindex")
@with_appcontext
def search_reindex():
    """Rebuild the index from every plugin's documents, in one transaction (all or nothing)."""
    from .search import reindex

    click.echo(f"{reindex()} documents indexed.")


@click.group("audit")
def audit_group():
    """The audit log: who did what, when, from where (read it at /admin/journal)."""


@audit_group.command("purge")
@click.option("--older-than-days", type=click.IntRange(min=1), default=365, show_default=True,
              help="Delete the entries older than this many days (keep them 6 to 12 months).")
@with_appcontext
def audit_purge(older_than_days):
    """Delete old audit entries (run it from cron, e.g. once a day)."""
    from .audit.service import purge

    count = purge(older_than_days)
    click.echo(f"{count} audit entries older than {older_than_days} days deleted.")


CORE_COMMANDS = [create_admin, users_group, seed_demo_command, plugins_command, search_group, audit_group,
                 backup_command, restore_command]
