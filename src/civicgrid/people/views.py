"""Sign-in (password, then a TOTP code for the roles that need one), second-factor enrolment, password change.

Thin views: the codes are checked and the devices written by civicgrid.people.services; the pending sign-in lives in
the session (civicgrid.people.auth).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from civicgrid.core.models import AuditEntry
from civicgrid.core.services import write_audit
from civicgrid.core.signals import client_address
from civicgrid.people import otp, selectors, services
from civicgrid.people.auth import (
    STEP_CODE,
    STEP_ENROL,
    SignInForm,
    begin_second_step,
    cancel_pending,
    finish_sign_in,
    is_locked_out,
    mark_second_factor_passed,
    pending_sign_in,
    sign_in_step,
)
from civicgrid.people.roles import needs_second_factor


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        step = sign_in_step(user)
        if step is None:
            response = super().form_valid(form)
            if needs_second_factor(user):  # not enrolled, and not yet required (settings.TOTP_REQUIRED off)
                messages.warning(self.request, _("Your role can see personal data: set up a second factor (an "
                                                 "authenticator app) now, before it becomes required."))
            return response
        begin_second_step(self.request, user, step, self.get_success_url())
        return redirect("login_code" if step == STEP_CODE else "two_factor")


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code from your authenticator app"), max_length=12, strip=True)


def _locked_out(request, user) -> bool:
    if not is_locked_out(user.username, client_address(request)):
        return False
    cancel_pending(request)
    messages.error(request, _("Too many failed sign-ins: this account is locked from this address for %(minutes)d "
                              "minutes.") % {"minutes": settings.LOGIN_LOCKOUT_MINUTES})
    return True


class SignInCodeView(View):
    """The second step: a code from the authenticator app. Wrong and replayed codes count toward the lockout."""

    template_name = "web/sign_in_code.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        found = pending_sign_in(request, STEP_CODE)
        if found is None:
            messages.info(request, _("Sign in with your user name and password first."))
            return redirect("login")
        self.user, self.pending = found
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": CodeForm(), "who": self.user})

    def post(self, request):
        if _locked_out(request, self.user):
            return redirect("login")
        form = CodeForm(request.POST)
        if form.is_valid():
            result = services.check_totp_code(self.user, form.cleaned_data["code"], ip_address=client_address(request))
            if result == services.CODE_OK:
                return redirect(finish_sign_in(request, self.user, self.pending))
            if _locked_out(request, self.user):
                return redirect("login")
            form.add_error("code", _("This code was already used: wait for the next one.") if result ==
                           services.CODE_REPLAYED else _("That code is not right. Check the app and try again."))
        return render(request, self.template_name, {"form": form, "who": self.user})


class TwoFactorView(View):
    """Setting up the authenticator app: while signing in (when it is required) or signed in (before it is).

    The secret is shown (as a QR code and as text) only until a first code confirms the enrolment; after that the page
    only says since when the second factor is set up.
    """

    template_name = "web/two_factor.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = None
        if request.user.is_authenticated:
            if not needs_second_factor(request.user):
                raise PermissionDenied("this role signs in with a password only")
            self.user = request.user
        else:
            found = pending_sign_in(request, STEP_ENROL)
            if found is None:
                return redirect_to_login(request.get_full_path())
            self.user, self.pending = found
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, status=200):
        device = selectors.totp_device(self.user)
        context = {"form": form, "who": self.user, "signing_in": self.pending is not None, "device": device}
        if device is None or device.confirmed_at is None:
            device, secret = services.start_totp_enrolment(self.user)
            context.update(device=device, secret=otp.grouped(secret),
                           qr=otp.qr_svg_data_uri(otp.provisioning_uri(secret, self.user.username)))
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, CodeForm())

    def post(self, request):
        device = selectors.totp_device(self.user)
        if device is None or device.confirmed_at is not None:
            return redirect("two_factor")
        signing_in = self.pending is not None
        if signing_in and _locked_out(request, self.user):
            return redirect("login")
        form = CodeForm(request.POST)
        if form.is_valid():
            ok = services.confirm_totp_enrolment(self.user, form.cleaned_data["code"],
                                                 ip_address=client_address(request), signing_in=signing_in)
            if ok:
                messages.success(request, _("Second factor set up. From now on you sign in with a code from the app."))
                if signing_in:
                    return redirect(finish_sign_in(request, self.user, self.pending))
                mark_second_factor_passed(request)
                return redirect(settings.LOGIN_REDIRECT_URL)
            if signing_in and _locked_out(request, self.user):
                return redirect("login")
            form.add_error("code", _("That code is not right. Check the app and try again."))
        return self._render(request, form)


def admin_login(request, extra_context=None):
    """The administration site signs in through the sign-in page (password, then the code), never its own form."""
    if request.user.is_authenticated:
        raise PermissionDenied("not an administrator")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class PasswordChangeView(auth_views.PasswordChangeView):
    # Our own template names: django.contrib.admin ships registration/password_change_*.html, which would win.
    template_name = "web/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        write_audit(AuditEntry.Action.PASSWORD_CHANGE, actor=self.request.user, ip_address=client_address(self.request))
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "web/password_change_done.html"
