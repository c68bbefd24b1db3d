"""Herstelbemiddeling on the dossier timeline, as the prison may see it (`prison.py`): the
referral received and, with the participant's consent, the phases in plain words. Two
queries."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.mediation import prison
from herstelpad.participants import timeline


class MediationSource:
    key = "mediation"
    label = gettext_lazy("Herstelbemiddeling")

    def events(self, participant, user):
        if not policy.has_perm(user, "mediation.status"):
            return
        url = reverse("mediation:dossier", args=[participant.ref])
        for index, referral in enumerate(prison.referrals(user, participant)):
            base = index * 100
            if not referral.shared:
                yield timeline.Event(on=referral.received_on, kind=self.key,
                                     title=_("Aanmelding voor herstelbemiddeling ontvangen"),
                                     url=url, order=base)
                continue
            for number, (on, phase) in enumerate(referral.phases):
                title = _("Herstelbemiddeling: %(phase)s") % {
                    "phase": prison.PHASE_LABELS[phase]}
                detail = ""
                if phase == prison.CLOSED:
                    detail = (_("Er heeft contact plaatsgevonden tussen de partijen.")
                              if referral.contact_took_place
                              else _("Er heeft geen contact plaatsgevonden."))
                yield timeline.Event(on=on, kind=self.key, title=title, detail=detail, url=url,
                                     order=base + number)


timeline.register(MediationSource())
