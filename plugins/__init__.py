"""Built-in plugins of QN Portal, each declared under the ``qn_portal.plugins`` entry-point group."""
