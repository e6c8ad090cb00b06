"""Sweep declarations of the built-in plugins, one module per plugin (see ``access_matrix.py``)."""
