"""GeoReport v2 answers in JSON and XML, and its error documents.

JSON follows the spec's "Spark convention" mapping of the XML: a list answers as a JSON array of objects. XML has no
namespace, UTF-8 with its declaration, and the element names of the spec: <services><service>, <service_definition>
<attributes><attribute>, <service_requests><request>, <errors><error>. A null value is an empty element.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# A list's element name -> the element name of each of its items.
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
             "values": "value"}


class Open311Error(Exception):
    """An error the client is told in the spec's format: HTTP status, and a description for the user."""

    def __init__(self, status: int, description: str, *, headers: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            element.append(_element(item_tag, item))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, value) -> bytes:
    return ET.tostring(_element(root, value), encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, value, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """`value` (a list or a dict) as JSON, or as XML under the element `root`."""
    if fmt == "xml":
        response = HttpResponse(to_xml(root, value), content_type=XML_TYPE, status=status)
    else:
        response = HttpResponse(json.dumps(value, ensure_ascii=False), content_type=JSON_TYPE, status=status)
    for name, header in (headers or {}).items():
        response[name] = header
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    body = [{"code": error.status, "description": error.description}]
    return render(fmt, "errors", body, status=error.status, headers=error.headers)
