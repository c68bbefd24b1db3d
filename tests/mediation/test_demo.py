"""The demo fills every mediation page: cases in every phase, the compartment, reminders, a
court mediation, the imported register; twice gives one data set."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from herstelpad.mediation.models import CaseStep, CourtMediation, MediationCase, Party

pytestmark = pytest.mark.django_db


def test_demo_mediation(client):
    call_command("demo")
    states = set(MediationCase.objects.values_list("state", flat=True))
    assert {"registered", "assigned", "referrer_contacted", "intake", "conversations",
            "not_yet", "preparation", "paused", "closed"} <= states
    assert MediationCase.objects.filter(source="import").count() >= 150
    assert MediationCase.objects.filter(reopens__isnull=False).exists()
    assert MediationCase.objects.exclude(contact_form="").filter(source="app").exists()
    years = set(MediationCase.objects.values_list("received_on__year", flat=True))
    assert min(years) == 2021 and max(years) == 2026
    assert Party.objects.exists() and CourtMediation.objects.exists()
    counts = (MediationCase.objects.count(), CaseStep.objects.count())
    call_command("demo")
    assert (MediationCase.objects.count(), CaseStep.objects.count()) == counts
    # The demo mediators see their cases and a reminder on the workbench.
    from herstelpad.accounts.models import User

    client.force_login(User.objects.get(username="bemiddelaar"))
    page = client.get("/bemiddeling/").content.decode()
    assert "Mijn zaken" in page and "voorbereiding van het contact" in page
    client.force_login(User.objects.get(username="bemiddelaar.noord"))
    assert "Opnieuw benaderen" in client.get("/bemiddeling/").content.decode()
    client.force_login(User.objects.get(username="casemanager"))
    tab = client.get("/deelnemers/DEMO-P-006/herstelbemiddeling/").content.decode()
    assert "Er heeft contact plaatsgevonden" in tab
