"""Accounts: people, their sessions, invitations, passwords and platform roles."""
