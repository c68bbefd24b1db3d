"""Import pages: the KINDs a user may import, an upload form with the history per KIND, and a
run page that shows progress (htmx polling) and every error. All through `imports.services`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from herstelpad import policy
from herstelpad.imports import registry, services
from herstelpad.imports.forms import UploadForm
from herstelpad.imports.models import ImportRun


def _kind_or_404(user, name):
    try:
        kind = registry.get(name)
    except registry.UnknownKind:
        raise Http404 from None
    if not policy.has_perm(user, kind.permission):
        raise PermissionDenied(kind.permission)
    return kind


@policy.requires("imports.use")
def index(request):
    kinds = registry.kinds_for(request.user)
    recent = services.runs_for(request.user).filter(kind__in=[k.name for k in kinds])[:10]
    return render(request, "imports/index.html", {"kinds": kinds, "recent": recent})


@policy.requires("imports.use")
def kind_page(request, kind):
    kind = _kind_or_404(request.user, kind)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        run = services.store_upload(kind.name, form.cleaned_data["file"], user=request.user,
                                    dry_run=form.cleaned_data["dry_run"])
        run = services.start_stored(run)
        return redirect("imports:run", pk=run.pk)
    history = Paginator(services.runs_for(request.user, kind.name), 25).get_page(
        request.GET.get("page"))
    return render(request, "imports/kind.html", {"kind": kind, "form": form, "page": history},
                  status=400 if request.method == "POST" else 200)


@policy.requires("imports.use")
def run_page(request, pk):
    run = policy.get_object(request.user, ImportRun.objects.select_related("actor"), pk=pk)
    template = "imports/_run_status.html" if request.htmx else "imports/run.html"
    kind = None
    try:
        kind = registry.get(run.kind)
    except registry.UnknownKind:
        pass
    return render(request, template, {"run": run, "kind": kind})
