"""The report `course-participation` (INTERCHANGE §3.9): editions by the year they start, per
intervention, with the distinct participants and those who completed.

Counting rules (decided where the specification is silent):
- `editions`: editions whose `starts_on` lies in the period (and at the selected institutions);
- `participants`: distinct participants with an enrolment in those editions that took part:
  its status is started, completed or ended, and its outcome is not `not_started` — for
  imported data (every row is running or has an outcome) this is exactly "an enrolment whose
  outcome is not `not_started`"; referrals still waiting for a decision or rejected are not
  participants; waiting-list enrolments have no edition and do not count;
- `completed`: distinct participants with outcome `completed`.
`editions` counts editions, not persons, so disclosure control does not hide it; the two person
counts are. Course providers, who work at no institution, see the figures of their own
organisation's interventions at every institution.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.interventions.models import Edition, Intervention
from herstelpad.reports.definitions import DIMENSION, NUMBER, Col, Report
from herstelpad.reports.functions import Year
from herstelpad.reports.registry import register
from herstelpad.reports.render import register_labels

TOOK_PART = Q(enrolments__status__in=("started", "completed", "ended")) & ~Q(
    enrolments__outcome="not_started")

register_labels("intervention", lambda: Intervention.objects.values_list("code", "name"))


@register
class CourseParticipation(Report):
    name = "course-participation"
    title = _("Deelname aan interventies")
    description = _("Edities per jaar van de begindatum en per interventie, met het aantal "
                    "deelnemers (wie begon) en het aantal dat de interventie afrondde.")
    permission = "reports.use"
    columns = [
        Col("year", _("Jaar"), DIMENSION),
        Col("intervention", _("Interventie"), DIMENSION, labels="intervention"),
        Col("editions", _("Edities"), NUMBER),
        Col("participants", _("Deelnemers")),
        Col("completed", _("Afgerond")),
    ]

    def rows(self, ctx):
        qs = Edition.objects.filter(starts_on__lte=ctx.date_to)
        if ctx.date_from:
            qs = qs.filter(starts_on__gte=ctx.date_from)
        provider = policy.provider_organisation_id(ctx.user)
        if provider is not None:
            qs = qs.filter(intervention__provider_id=provider)
        elif ctx.institution_ids is not None:
            qs = qs.filter(institution_id__in=ctx.institution_ids)
        rows = (qs.annotate(year=Year("starts_on"))
                .values("year", "intervention__code")
                .annotate(editions=Count("pk", distinct=True),
                          participants=Count("enrolments__participant", distinct=True,
                                             filter=TOOK_PART),
                          completed=Count("enrolments__participant", distinct=True,
                                          filter=Q(enrolments__outcome="completed")))
                .order_by("year", "intervention__code")
                .values_list("year", "intervention__code", "editions", "participants",
                             "completed"))
        return [tuple(row) for row in rows]
