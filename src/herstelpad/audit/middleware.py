from herstelpad.audit.services import request_context


class AuditContextMiddleware:
    """Makes the current request (and so its user) known to the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)
