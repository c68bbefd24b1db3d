"""The consent tab of the dossier: what the participant agreed to or objected to, and when it
was withdrawn; recording and withdrawing (through `consent.services`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from herstelpad import policy
from herstelpad.consent import forms, services
from herstelpad.consent.models import Consent
from herstelpad.participants import dossier
from herstelpad.participants import services as participant_services

FORM_TEMPLATE = "participants/form.html"


# The tab is part of the prison staff's dossier (its header shows regime and plan, which the
# municipality may not see); aftercare coordinators see consent in their own view and the API.
@policy.requires("participants.view")
@require_http_methods(["GET"])
def consent_list(request, ref):
    participant = dossier.get_participant(request, ref)
    records = list(services.for_participant(request.user, participant))
    today = participant_services.today()
    for record in records:
        record.is_in_force = record.in_force_on(today)
    return render(request, "consent/list.html", dossier.context(
        request, participant, "consent", records=records,
        can_manage=policy.has_perm(request.user, "consent.manage")))


@policy.requires("consent.manage")
@require_http_methods(["GET", "POST"])
def consent_add(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.ConsentForm(request.POST or None,
                             initial={"given_on": participant_services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = dossier.run_service(form, lambda: services.record(
                participant, actor=request.user, **data))
            if result is not None:
                messages.success(request, _("Vastgelegd: %(kind)s voor %(purpose)s.") % {
                    "kind": result.get_kind_display(), "purpose": result.get_purpose_display()})
                return redirect("consent:list", ref=ref)
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "consent", form=form,
        title=_("Toestemming of bezwaar vastleggen"), submit=_("Vastleggen"),
        cancel=reverse("consent:list", args=[ref])), status=status)


@policy.requires("consent.manage")
@require_http_methods(["GET", "POST"])
def consent_withdraw(request, ref, pk):
    participant = dossier.get_participant(request, ref)
    record = get_object_or_404(services.for_participant(request.user, participant), pk=pk)
    form = forms.WithdrawForm(request.POST or None, initial={
        "on": participant_services.today(), "version": record.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = dossier.run_service(form, lambda: services.withdraw(
                record, actor=request.user, expected_version=data["version"], on=data["on"],
                reason=data["reason"], delete_collected=data["delete_collected"]))
            if result is not None:
                messages.success(request, _("De intrekking is vastgelegd."))
                return redirect("consent:list", ref=ref)
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "consent", form=form,
        title=_("Intrekking vastleggen: %(purpose)s") % {
            "purpose": record.get_purpose_display()},
        submit=_("Intrekking vastleggen"), cancel=reverse("consent:list", args=[ref])),
        status=status)


__all__ = ["consent_list", "consent_add", "consent_withdraw", "Consent"]
