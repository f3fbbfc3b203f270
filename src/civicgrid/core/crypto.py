"""Personal data at rest: AES-256-GCM encryption with a key from the environment, and a keyed hash for look-ups.

A database dump alone reveals neither (SECURITY.md). The key comes from CIVICGRID_DATA_KEY (32 bytes, base64); with
DEBUG on and no key set, a development key is derived from SECRET_KEY so that a newcomer's machine works. Ciphertexts
carry a version prefix ("v1:") so that keys can be rotated later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1:"


@lru_cache(maxsize=1)
def _keys() -> tuple[bytes, bytes]:
    raw = os.environ.get("CIVICGRID_DATA_KEY", "")
    if raw:
        try:
            master = base64.b64decode(raw, validate=True)
        except ValueError:
            raise ImproperlyConfigured("CIVICGRID_DATA_KEY is not base64") from None
        if len(master) != 32:
            raise ImproperlyConfigured(f"CIVICGRID_DATA_KEY must be 32 bytes (base64), not {len(master)}")
    elif settings.DEBUG or getattr(settings, "TESTING", False):
        master = hashlib.sha256(("civicgrid-dev-data-key:" + settings.SECRET_KEY).encode()).digest()
    else:
        raise ImproperlyConfigured(
            "CIVICGRID_DATA_KEY is not set: generate one with "
            "python3 -c \"import os,base64;print(base64.b64encode(os.urandom(32)).decode())\""
        )
    encryption_key = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    lookup_key = hmac.new(master, b"lookup", hashlib.sha256).digest()
    return encryption_key, lookup_key


@lru_cache(maxsize=1)
def _cipher() -> AESGCM:
    return AESGCM(_keys()[0])


def encrypt(text: str) -> str:
    if not text:
        return ""
    nonce = os.urandom(12)
    sealed = _cipher().encrypt(nonce, text.encode(), None)
    return PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        raise ValueError("not a civicgrid ciphertext")
    blob = base64.b64decode(token[len(PREFIX):])
    return _cipher().decrypt(blob[:12], blob[12:], None).decode()


def lookup_hash(text: str) -> str:
    """A keyed hash (HMAC-SHA256) of the normalised value, for exact look-ups without decrypting."""
    if not text:
        return ""
    normalised = "".join(text.split()).upper()
    return hmac.digest(_keys()[1], normalised.encode(), "sha256").hex()


def mask_phone(phone: str) -> str:
    """138****5678 (GB/T 35273 style); short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """张* / 欧阳** : the surname's first character only."""
    return name[:1] + "*" * (len(name) - 1) if name else ""
