"""The address a request came from, for the failed-login lockout (django-axes).

Behind a load balancer every request arrives from the balancer's address: keyed on it, five
wrong passwords from anyone would lock a user out for everyone. With TRUSTED_PROXIES set to
the number of proxies in front of the app, the client is the address the outermost of them
saw, which it appended to X-Forwarded-For: the TRUSTED_PROXIES-th entry from the right (what a
client writes into the header itself stands further left and is never read). Without
trusted proxies the header is ignored: anyone can send one."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    trusted = settings.TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR", "")
    if not trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < trusted:  # not through all our proxies: the nearest peer is the client
        return remote
    return forwarded[-trusted]
