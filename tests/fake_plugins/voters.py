"""Two plugins (entry points ``votera`` and ``voterb``) whose ``check_permission`` votes are set by the tests."""

from qn_portal.api import hookimpl


class Voter:
    """Vote ``self.votes[action]`` (``True``, ``False`` or ``None``) and remember every call."""

    def __init__(self):
        self.votes: dict = {}
        self.calls: list = []

    @hookimpl
    def check_permission(self, user, action, obj):
        self.calls.append((user.email, action, obj))
        return self.votes.get(action)


first = Voter()
second = Voter()
