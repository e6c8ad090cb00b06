"""The audit log: who did what, when, from where, on what (design: SECURITY.md, "Logging").

``service.audit`` (also ``qn_portal.security.audit`` and ``qn_portal.api.audit``) writes one log line and
one ``AuditEntry`` row (``models``) per security event; ``service.audit_export`` records exports of personal
data. Coordinators and admins read the rows at ``/admin/journal`` (``journal``: filters and query);
``qn-portal audit purge`` deletes the old ones.
"""
