"""The admin's pages: people (deactivation) and plugins (enable/disable)."""
