"""The interventions part of `herstelpad demo`: editions from 2021 on, enrolments whose
recorded steps replay, every page worth looking at; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from herstelpad.accounts.models import User
from herstelpad.interventions import services
from herstelpad.interventions.models import Availability, Edition, Enrolment, Session

pytestmark = pytest.mark.django_db


def test_demo_interventions(client, capsys):
    call_command("demo")
    assert Edition.objects.filter(starts_on__year=2021).exists()
    assert Edition.objects.filter(starts_on__gt=services.today()).exists()  # planned
    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert {"referred", "intake", "started", "completed", "ended"} <= statuses
    assert Enrolment.objects.filter(edition__isnull=True).exists()  # a waiting list
    assert Enrolment.objects.exclude(certificate_on=None).exists()
    assert Enrolment.objects.exclude(goal=None).exists()
    assert Enrolment.objects.exclude(content_report="").exists()
    assert Session.objects.exists()
    assert Availability.objects.filter(institution__code="PI-ARNHEM", status="stopped")\
        .exists()
    for enrolment in Enrolment.objects.all():
        state = services.replayed_state(enrolment)
        assert (state.status, state.edition, state.outcome) == (
            enrolment.status, enrolment.edition_id, enrolment.outcome)
    counts = (Edition.objects.count(), Enrolment.objects.count())
    call_command("demo")
    assert (Edition.objects.count(), Enrolment.objects.count()) == counts
    client.force_login(User.objects.get(username="herstelconsulent"))
    edition = Edition.objects.filter(institution__code="PI-ARNHEM", sessions__gt=0,
                                     meetings__isnull=False).distinct().latest("starts_on")
    page = client.get(f"/interventies/edities/{edition.ref}/").content.decode()
    assert "Bijeenkomst 1" in page and "Deelnemers van deze editie" in page
    capsys.readouterr()
