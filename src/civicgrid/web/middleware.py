from urllib.parse import urlsplit

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def _tile_origin() -> str:
    url = settings.MAP_TILE_URL
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


class ContentSecurityPolicyMiddleware:
    """Only our own (vendored) scripts and styles; map tiles from the configured tile server, if any."""

    def __init__(self, get_response):
        self.get_response = get_response
        tiles = _tile_origin()
        self.policy = "; ".join([
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {tiles}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ])

    def __call__(self, request):
        response = self.get_response(request)
        # The API browser (Swagger UI) brings its own inline bootstrap script; it gets Django's defaults only.
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Pages are Chinese unless the user chose English (the language cookie set by the switch in the top bar).

    A browser's Accept-Language is not enough to leave Chinese: district staff share machines whose browsers say
    anything. API clients (paths under /api/ and /open311/) may ask for English with Accept-Language.
    """

    API_PREFIXES = ("/api/", "/open311/")

    def process_request(self, request):
        if request.path.startswith(self.API_PREFIXES):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
