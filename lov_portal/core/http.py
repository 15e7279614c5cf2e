"""The client's address, as the audit log and the login lockout see it."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, or behind NUM_PROXIES trusted reverse proxies the address the outermost
    of them saw (counted from the right of X-Forwarded-For, so a client cannot forge it)."""
    if request is None:
        return None
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
