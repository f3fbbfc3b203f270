"""Signs out a session of a TOTP role that did not pass the second step (see people.auth for how that can happen)."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from civicgrid.people.auth import GOOD_STATES, SECOND_FACTOR_KEY
from civicgrid.people.roles import needs_second_factor

API_PREFIXES = ("/api/", "/open311/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A session already in a good state costs nothing more: the user row is read only for the others.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.get(SECOND_FACTOR_KEY) not in GOOD_STATES \
                and request.user.is_authenticated and needs_second_factor(request.user):
            logout(request)
            if not request.path.startswith(API_PREFIXES):  # the API answers an anonymous request itself (403)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
