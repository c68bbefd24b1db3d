"""Consent on the dossier timeline: given and withdrawn (one query)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.consent.models import Consent, Kind
from herstelpad.participants import timeline


class ConsentSource:
    key = "consent"
    label = gettext_lazy("Toestemming")

    def events(self, participant, user):
        if not policy.has_perm(user, "consent.view"):
            return
        url = reverse("consent:list", args=[participant.ref])
        for record in policy.scope(user, Consent.objects.filter(participant=participant)):
            what = record.get_purpose_display()
            given = (_("Toestemming gegeven: %(what)s") if record.kind == Kind.CONSENT
                     else _("Bezwaar gemaakt: %(what)s")) % {"what": what}
            yield timeline.Event(on=record.given_on, kind=self.key, title=given,
                                 detail=record.subject, url=url, order=record.pk * 2)
            if record.withdrawn_on:
                withdrawn = (_("Toestemming ingetrokken: %(what)s") if record.kind == Kind.CONSENT
                             else _("Bezwaar ingetrokken: %(what)s")) % {"what": what}
                yield timeline.Event(on=record.withdrawn_on, kind=self.key, title=withdrawn,
                                     detail=record.withdrawal_reason, url=url,
                                     order=record.pk * 2 + 1)


timeline.register(ConsentSource())
