"""Notifications: what plugins tell people, in the portal and by e-mail (at once, in a daily digest, or never).

Plugins declare kinds of notifications with the ``notification_kinds`` hook and create notifications with
``qn_portal.api.notify`` (usually from an ``on_event`` listener). Each person chooses, per kind, how they
hear about them by e-mail; ``qn-portal notifications digest`` (run daily by cron) sends the digests.
"""
