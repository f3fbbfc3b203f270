"""Notifications through pluggable backends: the in-app inbox now; SMS and WeChat as interfaces.

settings.NOTIFICATION_BACKENDS lists dotted paths of backend classes. Each gets every message and decides whether it
can deliver it (the inbox needs a user account; SMS needs a phone number; WeChat an openid). The SMS and WeChat
backends shipped here only log what they would send: a deployment replaces them with its gateway's client
(a class with the same `send` method), configured by name — no code change elsewhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from civicgrid.core.crypto import mask_phone
from civicgrid.core.models import Notification

log = logging.getLogger("civicgrid.notifications")


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    link: str = ""
    users: tuple = ()  # user accounts (inbox)
    phones: tuple[str, ...] = ()  # numbers for SMS (residents without an account)
    wechat_openids: tuple[str, ...] = ()
    tags: dict = field(default_factory=dict)


class NotificationBackend:
    def send(self, message: Message) -> int:
        """Deliver what this backend can; return how many recipients it reached."""
        raise NotImplementedError


class InboxBackend(NotificationBackend):
    def send(self, message: Message) -> int:
        users = {u.pk: u for u in message.users if getattr(u, "pk", None) and u.is_active}
        Notification.objects.bulk_create([Notification(recipient_id=pk, title=message.title[:120], body=message.body,
                                                       link=message.link[:255]) for pk in users])
        return len(users)


class LoggingSMSBackend(NotificationBackend):
    """Logs the text messages an SMS gateway would send (numbers masked in the log)."""

    def send(self, message: Message) -> int:
        for phone in message.phones:
            log.info("SMS to %s: %s %s", mask_phone(phone), message.title, message.body)
        return len(message.phones)


class LoggingWeChatBackend(NotificationBackend):
    """Logs the template messages a WeChat official account would send."""

    def send(self, message: Message) -> int:
        for openid in message.wechat_openids:
            log.info("WeChat to %s…: %s", openid[:6], message.title)
        return len(message.wechat_openids)


@lru_cache(maxsize=1)
def _backends() -> tuple[NotificationBackend, ...]:
    return tuple(import_string(path)() for path in settings.NOTIFICATION_BACKENDS)


def notify(message: Message) -> int:
    """Hand the message to every configured backend; a failing backend is logged and does not stop the others."""
    reached = 0
    for backend in _backends():
        try:
            reached += backend.send(message)
        except Exception:  # one gateway down must not lose the inbox messages
            log.exception("notification backend %s failed", type(backend).__name__)
    return reached


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_all_read(user) -> int:
    from django.utils import timezone

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
