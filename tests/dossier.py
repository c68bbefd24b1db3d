"""Helpers for the dossier tests: participants with stays, goals and plans, made through the
service layer (as the system, so without a role check)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from herstelpad.organisations.models import Institution
from herstelpad.participants import services as participants
from herstelpad.plans import services as plans


def institution(code: str) -> Institution:
    return Institution.objects.get(code=code)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def make_participant(*, at="PI-ARNHEM", entered_days_ago=10, ref=None, given_name="Jan",
                     family_name="Jansen", sentence_days=200, aftercare="", **fields):
    person = participants.create_participant(actor=None, ref=ref, given_name=given_name,
                                             family_name=family_name, **fields)
    entered_on = days_ago(entered_days_ago)
    participants.admit(person, actor=None, institution=institution(at), entered_on=entered_on,
                       legal_status="convicted",
                       sentence_end_on=entered_on + dt.timedelta(days=sentence_days),
                       aftercare_municipality=aftercare)
    person.refresh_from_db()
    return person


def make_goal(person, domain="housing", description="Ik wil een eigen kamer.", **kwargs):
    return plans.add_goal(person, actor=None, domain=domain, description=description,
                          set_by=kwargs.pop("set_by", "together"), **kwargs)


@pytest.fixture
def person(db):
    return make_participant()


def make_dossier_for_matrix() -> dict:
    """The fixed data the access matrix's paths refer to (refs P-MATRIX, S-MATRIX,
    G-MATRIX)."""
    from herstelpad.accounts.models import Role, User
    from herstelpad.organisations.models import Organisation
    from herstelpad.participants.models import Assignment

    person = participants.create_participant(actor=None, ref="P-MATRIX", given_name="Matrix",
                                             family_name="Deelnemer")
    entered_on = days_ago(30)
    participants.admit(person, actor=None, institution=institution("PI-ARNHEM"),
                       entered_on=entered_on, ref="S-MATRIX", legal_status="convicted",
                       sentence_end_on=entered_on + dt.timedelta(days=300),
                       aftercare_municipality="Almelo")
    person.refresh_from_db()
    goal = plans.add_goal(person, actor=None, ref="G-MATRIX", domain="housing",
                          description="Een eigen kamer.")
    action = plans.add_action(goal, actor=None, description="Inschrijven",
                              responsible="deelnemer")
    version = plans.establish_version(person, actor=None, summary="Plan.")
    colleague = User.objects.create_user(username="matrix-mentor", role=Role.MENTOR,
                                         organisation=Organisation.objects.get(code="DJI"))
    colleague.institutions.set([institution("PI-ARNHEM")])
    assignment = Assignment.objects.create(participant=person, user=colleague, role="mentor",
                                           starts_on=entered_on)
    from herstelpad.consent.models import Consent

    consent = Consent.objects.create(participant=person, purpose="information_exchange",
                                     given_on=entered_on, evidence="formulier")
    # Interventions: a Puinruimen edition at PI Arnhem (run by the herstelconsulent) with a
    # session, and P-MATRIX referred to it.
    from herstelpad.interventions import services as interventions
    from herstelpad.interventions.models import Intervention, Session

    edition = interventions.create_edition(
        actor=None, intervention=Intervention.objects.get(code="puinruimen"),
        institution=institution("PI-ARNHEM"), starts_on=days_ago(5), ref="ED-MATRIX")
    Session.objects.create(edition=edition, number=1, held_on=days_ago(5))
    interventions.refer(person, actor=None, edition=edition, on=days_ago(10), ref="E-MATRIX")
    return {"version": version.pk, "plan": version.plan_id, "action": action.pk,
            "assignment": assignment.pk, "consent": consent.pk}
