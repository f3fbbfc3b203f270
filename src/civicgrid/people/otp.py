"""TOTP (RFC 6238) arithmetic with pyotp, and the enrolment QR code with segno. No database here: see services.py.

A code is accepted for the current 30-second time step and one step either side (clocks of phones drift), and only
for a step later than the last one accepted, so a code seen over a shoulder cannot be used again.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from django.conf import settings


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base-32 characters: 160 bits, RFC 4226's recommended length


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=settings.TOTP_STEP_SECONDS)


def current_counter(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // settings.TOTP_STEP_SECONDS)


def code_at(secret: str, counter: int) -> str:
    return _totp(secret).generate_otp(counter)


def matching_counter(secret: str, code: str, *, after: int, at: float | None = None, window: int = 1) -> int | None:
    """The time step (within ±`window` of now, and later than `after`) whose code is `code`; None if there is none.

    Every candidate step is compared, in constant time, so the answer's timing says nothing about which step matched.
    """
    code = "".join(code.split())
    if not code.isdigit() or len(code) != _totp(secret).digits:
        return None
    now = current_counter(at)
    found = None
    for counter in range(now - window, now + window + 1):
        if hmac.compare_digest(code_at(secret, counter), code) and counter > after and found is None:
            found = counter
    return found


def was_used(secret: str, code: str, *, up_to: int, at: float | None = None, window: int = 1) -> bool:
    """True when `code` is right for a step in the window that was already used (a replay)."""
    return matching_counter(secret, code, after=-1, at=at, window=window) is not None and \
        matching_counter(secret, code, after=up_to, at=at, window=window) is None


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=settings.TOTP_ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data: URI (the Content-Security-Policy allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#0b1f33", light="#ffffff")


def grouped(secret: str) -> str:
    """ABCD EFGH ... : easier to type by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
