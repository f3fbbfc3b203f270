"""Open311 GeoReport v2 endpoints (https://wiki.open311.org/GeoReport_v2), under /open311/v2/.

    GET  services.{json,xml}                the active second-level categories
    GET  services/{service_code}.{fmt}      a service definition (no extra attributes: metadata is false)
    POST requests.{fmt}                     a new service request (needs api_key; rate-limited, see ratelimit.py)
    GET  requests.{fmt}                     public view of requests: service_request_id, service_code, start_date,
                                            end_date (default the last 90 days, at most 90), status; at most 1000
    GET  requests/{service_request_id}.{fmt}
    GET  tokens/{token}.{fmt}               we create requests at once, so a token is the request id itself

The GETs are public (no sign-in). Errors are the spec's list of {code, description}, with HTTP 400 (bad input),
403 (api_key), 404 (unknown id, code or jurisdiction), 405 (method) or 429 (rate limit).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import wraps

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.cases.errors import CaseInputError
from civicgrid.cases.models import Status
from civicgrid.core.signals import client_address
from civicgrid.open311 import ratelimit, selectors, services
from civicgrid.open311.formats import Open311Error, render, render_error

MAX_SPAN = timedelta(days=90)
DESCRIPTION_MAX = 4000  # the spec's limit for a request's description
# Where a case service's complaint is about a field, the Open311 name of that field.
FIELD_NAMES = {"location": "lat/long", "category": "service_code", "description": "description",
               "title": "description", "address": "address_string", "contact_name": "first_name/last_name",
               "contact_phone": "phone", "photos": "media_url"}
STATUSES = ("open", "closed")


def endpoint(*methods: str):
    """Answer errors in the spec's format, refuse other methods (405) and jurisdictions other than ours (404)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, fmt, **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("%(method)s is not supported here; use %(allowed)s")
                                       % {"method": request.method, "allowed": ", ".join(methods)},
                                       headers={"Allow": ", ".join(methods)})
                ours = getattr(settings, "OPEN311_JURISDICTION_ID", "")
                asked = (request.POST if request.method == "POST" else request.GET).get("jurisdiction_id", "")
                if ours and asked and asked != ours:
                    raise Open311Error(404, _("jurisdiction_id %(asked)s not found; this endpoint serves %(ours)s")
                                       % {"asked": asked, "ours": ours})
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(fmt, error)

        return wrapper

    return decorate


# ---------------------------------------------------------------------------------------------- what we answer


def _w3(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _service(category) -> dict:
    group = category.parent.name if category.parent_id else None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(k for k in (category.name, group) if k),
        "group": group,
    }


def _request(case) -> dict:
    closed = selectors.open311_status(case) == "closed"
    item = case.responsibility_item
    return {
        "service_request_id": case.ticket_no,
        "status": selectors.open311_status(case),
        "status_notes": selectors.status_notes(case),
        "service_name": case.category.name if case.category_id else None,
        "service_code": case.category.code if case.category_id else "",
        "description": selectors.redact(case.description)[:DESCRIPTION_MAX] or None,
        "agency_responsible": case.department.name if case.department_id else None,
        "service_notice": (item.handling_standard or None) if item else None,
        "requested_datetime": _w3(case.reported_at),
        "updated_datetime": _w3(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": _w3(case.stage_due_at) if case.status in (Status.DISPATCHED, Status.IN_HANDLING)
        else None,
        "address": case.address or ((case.grid.full_name or case.grid.name) if case.grid_id else None),
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }


# ------------------------------------------------------------------------------------------------- services


@endpoint("GET")
def service_list(request, fmt):
    return render(fmt, "services", [_service(c) for c in selectors.services()])


@endpoint("GET")
def service_definition(request, fmt, code):
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found") % {"code": code})
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": []})


# ------------------------------------------------------------------------------------------------- requests


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _moment(name: str, value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """A W3C date-time (a time zone is expected; without one, Beijing time); a bare date is its whole day."""
    value = (value or "").strip()
    if not value:
        return None
    if "T" in value and " " in value:  # an unencoded "+08:00" in a query string arrives as " 08:00"
        value = value.replace(" ", "+")
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, time.max if end_of_day else time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, _("%(name)s: %(value)s is not a date and time in W3C format, e.g. "
                                  "2026-01-01T00:00:00+08:00") % {"name": name, "value": value})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _date_range(params) -> tuple[datetime, datetime]:
    start = _moment("start_date", params.get("start_date"))
    end = _moment("end_date", params.get("end_date"), end_of_day=True)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if start > end:
        raise Open311Error(400, _("start_date: must not be after end_date"))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date/end_date: the range may not span more than 90 days"))
    return start, end


def _find(request, fmt):
    params = request.GET
    ids = _csv(params.get("service_request_id"))
    if ids:  # "This overrides all other arguments."
        cases = selectors.find_requests(ids=ids)
    else:
        statuses = _csv(params.get("status"))
        wrong = [s for s in statuses if s not in STATUSES]
        if wrong:
            raise Open311Error(400, _("status: %(value)s is not open or closed") % {"value": ", ".join(wrong)})
        start, end = _date_range(params)
        cases = selectors.find_requests(service_codes=_csv(params.get("service_code")), start=start, end=end,
                                        statuses=statuses)
    return render(fmt, "service_requests", [_request(c) for c in cases])


def _number(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s: %(value)s is not a number") % {"name": name, "value": value}) from None


def _submit(request, fmt):
    data = request.POST
    address = client_address(request) or "unknown"
    wait = ratelimit.hit("address", address)
    if wait is None:
        api_key = services.key_for(data.get("api_key"))
        if api_key is None:
            raise Open311Error(403, _("api_key is missing or not valid: can't proceed with create_request"))
        wait = ratelimit.hit("key", str(api_key.pk))
    if wait is not None:
        raise Open311Error(429, _("too many requests: at most %(n)d per minute; try again in %(s)d seconds")
                           % {"n": ratelimit.per_minute(), "s": wait}, headers={"Retry-After": str(wait)})

    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code: is required (see GET services)"))
    category = selectors.service(code)
    if category is None:
        raise Open311Error(400, _("service_code: %(code)s is not a service of this jurisdiction (see GET services)")
                           % {"code": code})
    lat, lon = data.get("lat", "").strip(), data.get("long", "").strip()
    address_string = data.get("address_string", "").strip()
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat/long: give both lat and long"))
    if not lat and not address_string:
        raise Open311Error(400, _("lat/long: a location is required: lat and long, or address_string "
                                  "(address_id is not supported)"))
    description = data.get("description", "")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _("description: is %(n)d characters long; at most %(max)d")
                           % {"n": len(description), "max": DESCRIPTION_MAX})
    submitted = services.ServiceRequest(
        category=category, description=description,
        lat=_number("lat", lat) if lat else None, lon=_number("long", lon) if lon else None,
        address=address_string, first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
    )
    try:
        case = services.submit_request(submitted, api_key=api_key)
    except CaseInputError as error:
        field = FIELD_NAMES.get(error.field, error.field)
        raise Open311Error(400, f"{field}: {error.message}") from None
    created = {"service_request_id": case.ticket_no}  # no token (we answer with the id) and no account_id
    item = case.responsibility_item
    if item and item.handling_standard:
        created["service_notice"] = item.handling_standard
    return render(fmt, "service_requests", [created])


@csrf_exempt  # no cookies are involved: a POST is authorised by its api_key alone
@endpoint("GET", "POST")
def requests(request, fmt):
    return _submit(request, fmt) if request.method == "POST" else _find(request, fmt)


@endpoint("GET")
def request_detail(request, fmt, request_id):
    case = selectors.find_request(request_id)
    if case is None:
        raise Open311Error(404, _("service_request_id %(id)s not found") % {"id": request_id})
    return render(fmt, "service_requests", [_request(case)])


@endpoint("GET")
def token(request, fmt, token):
    case = selectors.find_request(token)
    if case is None:
        raise Open311Error(404, _("token %(token)s not found") % {"token": token})
    return render(fmt, "service_requests", [{"service_request_id": case.ticket_no, "token": token}])
