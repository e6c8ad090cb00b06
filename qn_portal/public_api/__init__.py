"""The read-only public JSON API under ``/api/v1/``: tokens, collections, errors, rate limits, OpenAPI.

The core owns the mechanics (parameters, pagination, tokens, errors, the OpenAPI document); what each
collection holds comes from the ``api_collections`` hook, the core's own associations included.
"""

PREFIX = "/api/v1"
