"""Ombre: a fake plugin (entry point ``shadow``) that imports its ``models`` submodule inside the ``models``
hook. That import binds the submodule to ``shadow.models`` and replaces the hook function: the host must
refuse the plugin instead of silently losing the hook in the next app.
"""

from pathlib import Path

from qn_portal.api import hookimpl


@hookimpl
def models():
    from .models import Thing

    return [Thing]


@hookimpl
def migrations_folder():
    return Path(__file__).parent
