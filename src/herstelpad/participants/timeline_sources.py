"""The participants app's timeline sources: stays, regime steps, the team and shift notes.
Each uses one query."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.participants import timeline
from herstelpad.participants.models import Assignment, RegimeChange, RegimeKind, ShiftNote, Stay
from herstelpad.reference import codes


def _name(user) -> str:
    return user.display_name if user is not None else ""


class StaySource:
    key = "stays"
    label = gettext_lazy("Verblijven")

    def events(self, participant, user):
        stays = list(policy.scope(user, Stay.objects.filter(participant=participant))
                     .select_related("institution", "transferred_from__institution"))
        if not stays:
            return
        labels = codes.labels("outflow_types", "return_reasons", "legal_statuses")
        url = reverse("participants:detail", args=[participant.ref])
        for stay in stays:
            if stay.transferred_from_id:
                title = _("Overgeplaatst van %(from)s naar %(to)s") % {
                    "from": stay.transferred_from.institution.name,
                    "to": stay.institution.name}
            else:
                title = _("Binnengekomen in %(institution)s") % {
                    "institution": stay.institution.name}
            detail = labels["legal_statuses"].get(stay.legal_status, "")
            yield timeline.Event(on=stay.entered_on, kind=self.key, title=title, detail=detail,
                                 url=url, order=stay.pk * 2)
            if stay.left_on is not None and stay.outflow_type not in ("transferred", "returned"):
                outflow = labels["outflow_types"].get(stay.outflow_type, "")
                yield timeline.Event(
                    on=stay.left_on, kind=self.key, url=url, order=stay.pk * 2 + 1,
                    title=_("Vertrokken uit %(institution)s") % {
                        "institution": stay.institution.name},
                    detail=outflow)
            elif stay.outflow_type == "returned":
                yield timeline.Event(
                    on=stay.left_on, kind=self.key, url=url, order=stay.pk * 2 + 1,
                    title=_("Teruggeplaatst vanuit %(institution)s") % {
                        "institution": stay.institution.name},
                    detail=labels["return_reasons"].get(stay.return_reason, ""))


class RegimeSource:
    key = "regime"
    label = gettext_lazy("Regime")

    def events(self, participant, user):
        steps = policy.scope(user, RegimeChange.objects.filter(participant=participant)
                             ).select_related("recorded_by")
        labels = codes.labels("regimes")["regimes"]
        for step in steps:
            regime = labels.get(step.regime, step.regime)
            titles = {
                RegimeKind.START: _("Regime bij binnenkomst: %(regime)s"),
                RegimeKind.PROMOTION: _("Gepromoveerd naar het %(regime)s"),
                RegimeKind.DEMOTION: _("Gedegradeerd naar het %(regime)s"),
                RegimeKind.EXCLUSION: _("Uitgesloten van promotie"),
            }
            yield timeline.Event(on=step.changed_on, kind=self.key,
                                 title=titles[step.kind] % {"regime": regime.lower()},
                                 detail=step.reason, actor=_name(step.recorded_by),
                                 at=step.recorded_at, order=step.pk)


class TeamSource:
    key = "team"
    label = gettext_lazy("Team")

    def events(self, participant, user):
        rows = policy.scope(user, Assignment.objects.filter(participant=participant)
                            ).select_related("user")
        for row in rows:
            yield timeline.Event(
                on=row.starts_on, kind=self.key, order=row.pk * 2,
                title=_("%(name)s is %(role)s") % {"name": _name(row.user),
                                                   "role": row.get_role_display()})
            if row.ends_on is not None:
                yield timeline.Event(
                    on=row.ends_on, kind=self.key, order=row.pk * 2 + 1,
                    title=_("%(name)s is niet langer %(role)s") % {
                        "name": _name(row.user), "role": row.get_role_display()})


class NoteSource:
    key = "notes"
    label = gettext_lazy("Dienstnotities")

    def events(self, participant, user):
        notes = policy.scope(user, ShiftNote.objects.filter(participant=participant)
                             ).select_related("author", "institution")
        url = reverse("participants:notes", args=[participant.ref])
        for note in notes:
            yield timeline.Event(on=timezone.localtime(note.written_at).date(),
                                 kind=self.key, title=_("Dienstnotitie"), detail=note.text,
                                 actor=_name(note.author), at=note.written_at, url=url,
                                 order=note.pk)


for source in (StaySource(), RegimeSource(), TeamSource(), NoteSource()):
    timeline.register(source)
