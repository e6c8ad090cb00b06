"""Associations, the per-association roles of their members, and their pages."""
