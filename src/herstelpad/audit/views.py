"""The auditor's view of the trail: search and read, never edit."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from herstelpad import policy
from herstelpad.audit import services
from herstelpad.audit.forms import AuditSearchForm
from herstelpad.audit.models import AuditEntry

PAGE_SIZE = 50


def search_entries(user, data: dict):
    """The entries matching a cleaned search form, newest first, within the user's scope."""
    qs = policy.scope(user, AuditEntry.objects.all())
    if data.get("actor"):
        qs = qs.filter(actor_label__icontains=data["actor"])
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("object_type"):
        qs = qs.filter(object_type=data["object_type"].strip().lower())
    if data.get("object_id"):
        qs = qs.filter(object_id=data["object_id"].strip())
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(at__gte=datetime.combine(data["date_from"], time.min, tz))
    if data.get("date_to"):
        qs = qs.filter(at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz))
    return qs.order_by("-id")


@policy.requires("audit.view")
def search(request):
    form = AuditSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = search_entries(request.user, data) if not form.is_bound or form.is_valid() else \
        AuditEntry.objects.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    services.record_list(AuditEntry, count=page.paginator.count,
                         details={"filters": {k: str(v) for k, v in data.items() if v}})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/search.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


@policy.requires("audit.view")
def verify_chain(request):
    result = services.verify() if request.method == "POST" else None
    return render(request, "audit/verify.html", {"result": result})
