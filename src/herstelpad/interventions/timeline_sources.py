"""Enrolments on the dossier timeline, at the level the user may see (`services.views_for`):
at `participation` one entry (the registration date and enrolled / completed / stopped); at
`process` and above every recorded step with its date, and the certificate. Constant queries."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.interventions import services
from herstelpad.participants import timeline


class EnrolmentSource:
    key = "interventions"
    label = gettext_lazy("Interventies")

    def events(self, participant, user):
        if not policy.has_perm(user, "interventions.enrolments"):
            return
        for view in services.enrolments_of(user, participant):
            enrolment = view.enrolment
            name = enrolment.intervention.name
            url = reverse("interventions:enrolment", args=[enrolment.ref])
            where = enrolment.institution.name
            if not view.dates:
                yield timeline.Event(
                    on=view.enrolled_on, kind=self.key, url=url, order=enrolment.pk * 100,
                    title=_("%(name)s: %(status)s") % {"name": name,
                                                       "status": view.status_label},
                    detail=where)
                continue
            for index, step in enumerate(view.steps):
                title = _("%(name)s: %(step)s") % {"name": name, "step": step.label}
                detail = ", ".join(part for part in (where, step.outcome_label, step.reason)
                                   if part)
                yield timeline.Event(on=step.on, kind=self.key, title=title, detail=detail,
                                     url=url, actor=step.actor, order=enrolment.pk * 100 + index)
            if view.certificate_on:
                yield timeline.Event(
                    on=view.certificate_on, kind=self.key, url=url, order=enrolment.pk * 100 + 99,
                    title=_("%(name)s: certificaat uitgereikt") % {"name": name})


timeline.register(EnrolmentSource())
