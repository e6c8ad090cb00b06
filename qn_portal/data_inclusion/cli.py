"""``qn-portal data-inclusion export``: the whole export as one JSON file, for data·inclusion or a cron job."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("data-inclusion")
def data_inclusion_group():
    """The data·inclusion export (national schema of the offer of inclusion services)."""


@data_inclusion_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output).")
@with_appcontext
def export_command(output):
    """Write {"structures": [...], "services": [...]} as JSON. Needs QN_SERVER_NAME for the links."""
    from . import export

    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("QN_SERVER_NAME is not set: the records link to the portal's public pages "
                                   "(e.g. QN_SERVER_NAME=portail.example.org).")
    # The links are built as in a request to the portal's own address (SERVER_NAME, PREFERRED_URL_SCHEME).
    with current_app.test_request_context():
        data = export.export()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output:
        # Written whole, then moved into place: a reader never sees half a file.
        import os
        import tempfile

        folder = os.path.dirname(os.path.abspath(output))
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, output)
        click.echo(f"{len(data['structures'])} structures and {len(data['services'])} services written to {output}.",
                   err=True)
    else:
        click.echo(text, nl=False)
