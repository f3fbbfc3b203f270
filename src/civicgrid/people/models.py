"""Users with one role each, departments, and data scopes (region subtrees a staff member may see and act in)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Region


class Role(models.TextChoices):
    RESIDENT = "resident", _("resident")
    HOTLINE_OPERATOR = "hotline_operator", _("hotline operator")
    DISPATCHER = "dispatcher", _("dispatcher")
    DEPARTMENT_HANDLER = "department_handler", _("department handler")
    GRID_WORKER = "grid_worker", _("grid worker")
    COMMUNITY_STAFF = "community_staff", _("community staff")
    STREET_STAFF = "street_staff", _("street staff")
    LEADER = "leader", _("leader")
    DATA_ADMIN = "data_admin", _("data administrator")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
# Roles that manage the site through Django's admin (三权分立: system, security and audit administrators are separate).
ADMIN_SITE_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DATA_ADMIN})


class Department(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "bureau", _("bureau")
        STREET_OFFICE = "street_office", _("street office")
        UTILITY = "utility", _("utility company")
        OTHER = "other", _("other")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.BUREAU)
    region = models.ForeignKey(
        Region, verbose_name=_("area served"), null=True, blank=True, on_delete=models.PROTECT, related_name="departments",
        help_text=_("the region this department works in (a street office: its street); empty for district-wide units"),
    )
    phone = models.CharField(_("duty phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.RESIDENT, db_index=True)
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    scope_regions = models.ManyToManyField(
        Region, verbose_name=_("data scope"), through="ScopeGrant", through_fields=("user", "region"),
        related_name="scoped_users", blank=True,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT


class ScopeGrant(models.Model):
    """One region subtree in a user's data scope. A grid worker's grants are the grids they look after."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="scope_grants")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="scope_grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("data scope grant")
        verbose_name_plural = _("data scope grants")
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="unique_scope_grant")]

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"


class TotpDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238). The secret is encrypted at rest (core.crypto) and shown only while
    the enrolment is unconfirmed; `last_counter` is the time step of the last code accepted, so no code is used twice."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="totp_device")
    secret = models.TextField(_("secret (encrypted)"))
    confirmed_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    last_counter = models.BigIntegerField(_("last time step used"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    def __str__(self) -> str:
        return f"{self.user_id}: {'enrolled' if self.confirmed_at else 'enrolling'}"


class PasswordHistory(models.Model):
    """The hash of one of a user's recent passwords (Django's hashers), kept to refuse reusing the last few."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="password_history")
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set"), auto_now_add=True)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="password_history_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
