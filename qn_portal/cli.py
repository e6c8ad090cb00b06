"""``qn-portal``: the Flask CLI bound to the app factory, with the core's and the plugins' commands."""

from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app
from .cli_commands import db_group
from .serving import serve_command


class PortalGroup(FlaskGroup):
    def get_command(self, ctx, name):
        # Flask-Migrate's own "db" upgrades to a single "head"; ours applies every plugin's branch.
        if name == "db":
            return db_group
        return super().get_command(ctx, name)


main = PortalGroup(create_app=create_app, help="QN Portal: the Quartiers Numériques intranet.")
# On the group itself, like Flask's "run": no app is loaded, nor its context pushed, in what becomes gunicorn's
# master before the command runs (the workers would inherit them); serve checks the configuration itself.
main.add_command(serve_command)
