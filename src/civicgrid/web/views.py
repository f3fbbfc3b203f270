from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

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
