"""The data·inclusion export: public associations as ``Structure`` records, their public offers as ``Service``.

data·inclusion (schema ``data_inclusion.schema.v1``) is how digital-inclusion places reach the national
cartography. ``export.py`` builds the records (services come from plugins through the
``data_inclusion_services`` hook), ``views.py`` serves them as paginated JSON under ``/api/v1/data-inclusion``
and ``cli.py`` writes them to a file (``qn-portal data-inclusion export``). Only what anonymous visitors may
already see goes out: never a person, never a private workshop.
"""
