"""Alembic set-up: one branch per plugin, every branch found through the ``migrations_folder`` hook."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from .extensions import migrate
from .plugins import get_host

DIRECTORY = str(Path(__file__).parent / "migrations")


@migrate.configure
def _add_plugin_branches(config):
    folders = get_host().migration_folders()
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(path) for path in folders.values()))
    return config


def alembic_config():
    """The Alembic configuration of the current app, with every plugin's branch."""
    return current_app.extensions["migrate"].migrate.get_config(DIRECTORY)
