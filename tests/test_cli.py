"""The ``qn-portal`` command line, run against the test app."""

from __future__ import annotations

import re

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from qn_portal.accounts.models import ADMIN, User
from qn_portal.cli import main
from qn_portal.demo import DEMO_USERS
from qn_portal.extensions import db


def run(runner, *args, **kwargs):
    """Invoke ``qn-portal ARGS`` (the full group, with Flask's and Flask-Migrate's commands) on the test app."""
    result = runner.invoke(main, list(args), **kwargs)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_seed_demo_prints_the_logins_and_is_idempotent(app, runner, monkeypatch):
    monkeypatch.setenv("QN_DEMO_PASSWORD", "une phrase de passe de démonstration")
    output = run(runner, "seed-demo")
    emails = re.findall(r"^\s+(\S+@example\.org)\s", output, re.MULTILINE)
    assert sorted(emails) == sorted(email for email, *_rest in DEMO_USERS.values())
    assert len(emails) == 7
    assert "une phrase de passe de démonstration" in output
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
    assert users == 7

    again = run(runner, "seed-demo")
    assert "nothing to do" in again
    assert "@example.org" not in again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_seed_demo_without_a_given_password_makes_a_random_one(runner):
    output = run(runner, "seed-demo")
    password = re.search(r"password: (\S+)", output).group(1)
    assert len(password) >= 12


def test_plugins_lists_the_example_with_version_and_state(app, runner):
    output = run(runner, "plugins")
    line = next(line for line in output.splitlines() if line.split()[:1] == ["example"])
    assert line.split() == ["example", "0.3.0", "yes", "loaded"]
    assert "core" not in output.split()  # the core is not a plugin to list

    from qn_portal.plugins import get_host

    with app.app_context():
        get_host().set_enabled("example", False)
        db.session.commit()
    line = next(line for line in run(runner, "plugins").splitlines() if line.startswith("example"))
    assert line.split()[2] == "no"


def test_routes_lists_core_and_plugin_urls(runner):
    output = run(runner, "routes")
    for url in ("/connexion", "/fichiers/<key>", "/sante", "/admin/extensions", "/example"):
        assert url in output


def core_and_example_heads(app) -> dict[str, str]:
    from qn_portal.migrations_support import alembic_config

    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
        return {label: head for head in script.get_heads() for label in script.get_revision(head).branch_labels}


def test_db_heads_and_current(app, runner, monkeypatch):
    import click
    from alembic.config import Config

    # Alembic prints to the sys.stdout it saw when imported, not to click's runner: send it to click.
    monkeypatch.setattr(Config, "print_stdout", lambda self, text, *args: click.echo(text % args if args else text))
    heads = core_and_example_heads(app)
    assert {"core", "example"} <= set(heads)
    heads_output = run(runner, "db", "heads")
    current_output = run(runner, "db", "current")
    assert "(head)" in heads_output
    for label in ("core", "example"):
        assert heads[label] in heads_output
        assert heads[label] in current_output


def test_db_check_passes_on_the_migrated_database(runner):
    run(runner, "db", "check")


def test_search_reindex_counts_documents(app, runner):
    from qn_example.models import ExampleNote

    from qn_portal.search import SearchEntry

    with app.app_context():
        db.session.add_all([ExampleNote(title="Atelier smartphone", body="Mardi"),
                            ExampleNote(title="Permanence CAF", body="Jeudi"),
                            ExampleNote(title="Café numérique", body="Vendredi")])
        db.session.commit()
    assert "3 documents indexed." in run(runner, "search", "reindex")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 3
        db.session.delete(db.session.scalars(select(ExampleNote)).first())
        db.session.commit()
    assert "2 documents indexed." in run(runner, "search", "reindex")


PASSPHRASE = "lanterne cerise boussole hangar"


def test_create_admin(app, runner):
    output = run(runner, "create-admin", "--email", " Chef@Example.org ", "--name", "Chef",
                 input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert "chef@example.org" in output
    with app.app_context():
        user = User.by_email("chef@example.org")
        assert user.role == ADMIN and user.active and user.password_hash != PASSPHRASE


@pytest.mark.parametrize("password", ["motdepasse", "qwertyuiop1234", "chef@example.org"])
def test_create_admin_refuses_weak_passwords(app, runner, password):
    result = runner.invoke(main, ["create-admin", "--email", "chef@example.org", "--name", "Chef"],
                           input=f"{password}\n{password}\n")
    assert result.exit_code != 0
    with app.app_context():
        assert User.by_email("chef@example.org") is None
