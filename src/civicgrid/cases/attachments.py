"""Photos and documents of a case: checked by content (not by name), size-limited, stored under MEDIA_ROOT."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from civicgrid.cases.errors import CaseInputError

IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
               "GIF": ("image/gif", "gif")}


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    extension: str
    sha256: str
    original_name: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "CASE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def check_upload(upload, *, field: str = "photos") -> CheckedUpload:
    """Read an uploaded file (Django UploadedFile, or (name, bytes)) and make sure it is a real image or a PDF."""
    if isinstance(upload, tuple):
        name, content = upload
    else:
        name = getattr(upload, "name", "") or ""
        if getattr(upload, "size", 0) and upload.size > max_upload_bytes():
            raise CaseInputError(field, f"{name or 'file'} is {upload.size // 1024} KiB; the limit is "
                                        f"{max_upload_bytes() // 1024} KiB")
        content = upload.read()
    if len(content) > max_upload_bytes():
        raise CaseInputError(field, f"{name or 'file'} is {len(content) // 1024} KiB; the limit is "
                                    f"{max_upload_bytes() // 1024} KiB")
    if not content:
        raise CaseInputError(field, f"{name or 'file'} is empty")
    digest = hashlib.sha256(content).hexdigest()
    if content.startswith(b"%PDF-"):
        return CheckedUpload(content, "application/pdf", "pdf", digest, name)
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise CaseInputError(field, f"{name or 'file'} is not a photo (JPEG, PNG, WebP, GIF) or a PDF") from None
    if kind not in IMAGE_TYPES:
        raise CaseInputError(field, f"{name or 'file'} is a {kind} image; use JPEG, PNG, WebP or GIF")
    content_type, extension = IMAGE_TYPES[kind]
    return CheckedUpload(content, content_type, extension, digest, name)


def without_metadata(content: bytes) -> bytes:
    """The image re-encoded without EXIF (GPS position, camera): what public pages show."""
    with Image.open(io.BytesIO(content)) as image:
        kind = image.format or "PNG"
        image.load()
        clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only: no info, no EXIF
        if image.mode == "P":
            clean.putpalette(image.getpalette())
        out = io.BytesIO()
        clean.save(out, format=kind)
    return out.getvalue()


def as_django_file(checked: CheckedUpload) -> ContentFile:
    return ContentFile(checked.content, name=f"{checked.sha256[:16]}.{checked.extension}")
