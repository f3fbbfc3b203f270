import re

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


class CharacterClassValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters (SECURITY.md)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern in _CLASSES if pattern.search(password))
        if found < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("Your password must mix at least %(n)d of: lower-case letters, upper-case letters, digits, symbols.") % {
            "n": self.min_classes
        }


class PasswordHistoryValidator:
    """No reuse of the last `keep` passwords (SECURITY.md), the present one included.

    Django calls `validate` before a password is set (password change, a security administrator's reset, upsert_user)
    and `password_changed` after a user with a new password is saved: that is where the new hash is kept. Each old hash
    is checked with Django's own hashers (a salted, slow hash each: `keep` checks per change).
    """

    def __init__(self, keep: int = 5):
        self.keep = keep

    def _recent_hashes(self, user) -> list[str]:
        from civicgrid.people.models import PasswordHistory, User

        hashes = list(PasswordHistory.objects.filter(user_id=user.pk).order_by("-id")
                      .values_list("password", flat=True)[:self.keep])
        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if current and current not in hashes:  # set before the history was kept
            hashes = [current, *hashes][:self.keep]
        return hashes

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                _("You have used this password recently: choose one that is not among your last %(n)d passwords.")
                % {"n": self.keep}, code="password_reused")

    def password_changed(self, password, user=None):
        from civicgrid.people.models import PasswordHistory

        if user is None or user.pk is None or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).order_by("-id").values_list("pk", flat=True)[:self.keep]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        return _("Your password cannot be one of your last %(n)d passwords.") % {"n": self.keep}
