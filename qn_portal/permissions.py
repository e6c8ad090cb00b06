"""The one permission check used by views, templates and plugins: ``can(user, action, obj)``.

Plugins declare permissions with the ``permissions`` hook and vote with ``check_permission``: a single
"no" wins; with no vote, the permission's default roles decide. Admins hold every permission by default.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from .accounts.models import ADMIN
from .plugins import get_host


class UnknownPermission(LookupError):
    """A permission name that no loaded plugin declares: a programming error, never a silent "no"."""


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (a declared permission name) on ``obj`` (or in general)."""
    host = get_host()
    permission = host.permissions.get(action)
    if permission is None:
        plugin = action.split(".", 1)[0]
        if plugin in host.plugins and not host.is_enabled(plugin):
            return False  # a disabled or refused plugin's permissions are nobody's
        raise UnknownPermission(action)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    plugin = action.split(".", 1)[0]
    if plugin in host.plugins and not host.is_enabled(plugin):
        return False
    # A voter that raises counts as "no": failing closed never grants what a plugin meant to refuse.
    votes = [vote for _name, vote in
             host.call_each("check_permission", on_failure=False, user=user, action=action, obj=obj)]
    if False in votes:
        return False
    if True in votes:
        return True
    return holds_by_role(user, permission.roles, obj)


def holds_by_role(user: Any, roles: frozenset[str], obj: Any) -> bool:
    """Default rule: the user's platform role, or their role in the object's association, is listed.

    Without an object, an association role counts if the user holds it in any association.
    """
    if user.role == ADMIN or user.role in roles:
        return True
    association_id = getattr(obj, "association_id", None)
    if obj is None:
        return any(membership.role in roles for membership in user.memberships)
    if association_id is None:
        return False
    return user.association_role(association_id) in roles


def require(action: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user may do ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        abort(403)


def requires(action: str):
    """Decorate a view so that it answers 403 unless the current user holds ``action`` (no object)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def public(view):
    """Mark a plugin view as open to visitors who are not signed in (the host's guard lets them through)."""
    view._qn_public = True
    return view
