from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from civicgrid.core.models import Notification
from civicgrid.core.notifications import mark_all_read
from civicgrid.people.models import Role
from civicgrid.web import selectors


@login_required
def home(request):
    data = selectors.home_for(request.user)
    return render(request, "web/home.html", {"home": data, "Role": Role})


@login_required
def regions(request):
    roots = selectors.scope_roots(request.user)
    if len(roots) == 1:
        return redirect("web:region", code=roots[0].code)
    return render(request, "web/regions.html", {"roots": roots})


@login_required
def region(request, code: str):
    page = selectors.region_page(request.user, code)
    return render(request, "web/region.html", {"page": page})


@login_required
def notifications(request):
    """The in-app inbox: newest first; opening the page marks what was shown as read."""
    if request.method == "POST":
        mark_all_read(request.user)
        return redirect("web:notifications")
    items = list(Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")[:100])
    return render(request, "web/notifications.html", {"items": items})
