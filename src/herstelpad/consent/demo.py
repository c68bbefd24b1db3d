"""Demo consents: information exchange at the facilities, a few content consents and
objections, one withdrawal."""

from __future__ import annotations

import datetime as dt
import random

from herstelpad.consent.models import Consent, Kind, Purpose
from herstelpad.participants.models import Participant


def load(context) -> None:
    if Consent.objects.exists():
        return
    rng = random.Random(20261125)
    recorder = context.data.get("users", {}).get("casemanager")
    participants = list(Participant.objects.filter(current_stay__isnull=False)
                        .select_related("current_stay__institution").order_by("ref"))
    for index, participant in enumerate(participants):
        stay = participant.current_stay
        start = stay.entered_on
        if stay.institution.is_facility or index % 3 == 0:
            Consent.objects.create(
                participant=participant, purpose=Purpose.INFORMATION_EXCHANGE,
                data_description="voortgang op de leefgebieden, afspraken en contactgegevens",
                given_on=start + dt.timedelta(days=rng.randint(0, 10)),
                evidence="ondertekend toestemmingsformulier in het dossier",
                recorded_by=recorder)
        if index % 4 == 1:
            record = Consent.objects.create(
                participant=participant, purpose=Purpose.MEDIATION_SHARING,
                given_on=start + dt.timedelta(days=rng.randint(5, 40)),
                evidence="mondeling, in het trajectgesprek", recorded_by=recorder)
            if index % 8 == 1 and record.given_on + dt.timedelta(days=60) < dt.date.today():
                record.withdrawn_on = record.given_on + dt.timedelta(days=60)
                record.withdrawal_reason = "wil dit liever zelf vertellen"
                record.withdrawn_by = recorder
                record.save()
        if index % 5 == 2:
            Consent.objects.create(
                participant=participant, kind=Kind.OBJECTION,
                purpose=Purpose.INTERVENTION_REGISTRATION, subject="puinruimen",
                given_on=start + dt.timedelta(days=rng.randint(10, 30)),
                evidence="mondeling, bij de aanmelding voor Puinruimen", recorded_by=recorder)
    context.log.append(f"Toestemmingen: {Consent.objects.count()}")
