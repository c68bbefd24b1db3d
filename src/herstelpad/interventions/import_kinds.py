"""The KINDs `editions` and `enrolments` (INTERCHANGE §2.4): interventions delivered, from the
providers' and the institutions' own registrations.

`editions` upserts editions by `edition_ref` (the catalogue's group size and number of sessions
become the new edition's capacity and sessions). `enrolments` upserts enrolments by
`enrolment_ref` and keeps every enrolment's workflow replayable (`workflows.py`): a new
enrolment is registered from the list as `started` (or as `approved` when its outcome is
`not_started`: it never began), and an outcome adds the step that ends it (`complete`, or `end`
with the outcome). An enrolment that already exists may only take a step the workflow allows
(e.g. a running one gets its outcome); a closed one is not changed. Cross-row rules are SQL
over the staging table; references to unknown editions or participants are errors.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.imports.engine import Column, Counts, ImportError_, ImportKind, qn
from herstelpad.imports.registry import register
from herstelpad.interventions import workflows
from herstelpad.interventions.models import Edition, Enrolment, EnrolmentStep, Intervention
from herstelpad.organisations.models import Institution
from herstelpad.participants.models import Participant


def _t(model) -> str:
    return qn(model._meta.db_table)


@register
class Editions(ImportKind):
    name = "editions"
    label = gettext_lazy("Edities van interventies")
    description = gettext_lazy(
        "Eén rij per editie (een keer dat een interventie in een inrichting loopt): "
        "edition_ref, intervention (code uit de catalogus), institution, starts_on, ends_on.")
    permission = "interventions.import"
    key = "edition_ref"
    columns = [
        Column("edition_ref", "ref", required=True),
        Column("intervention", "text", required=True, max_length=64),
        Column("institution", "text", required=True, max_length=64),
        Column("starts_on", "date", required=True),
        Column("ends_on", "date"),
    ]

    def row_errors(self, row):
        if row["ends_on"] and row["ends_on"] < row["starts_on"]:
            yield "ends_on", _("ligt voor starts_on")

    def scope_values(self, user):
        return policy.import_scope_values(user, self.name)

    def checks(self, stage):
        yield from super().checks(stage)
        yield from stage.unknown_references("intervention", Intervention, "code",
                                            reason=_("onbekende interventie in de catalogus"))
        yield from stage.unknown_references("institution", Institution, "code",
                                            reason=_("onbekende inrichting"))
        # An edition with enrolments keeps its intervention and institution (its enrolments
        # and their waiting lists belong to them).
        sql = (f"SELECT s._row, s.intervention FROM {stage.t} s "
               f"JOIN {_t(Edition)} e ON e.ref = s.edition_ref "
               f"JOIN {_t(Intervention)} i ON i.id = e.intervention_id "
               f"JOIN {_t(Institution)} o ON o.id = e.institution_id "
               "WHERE (i.code <> s.intervention OR o.code <> s.institution) "
               f"AND EXISTS (SELECT 1 FROM {_t(Enrolment)} x WHERE x.edition_id = e.id) "
               "ORDER BY s._row")
        for row, value in stage.fetch(sql):
            yield ImportError_(_("deze editie heeft al deelnemers; interventie en inrichting "
                                 "veranderen niet meer"), row, "intervention", value)
        yield from self._editions_run_by_others(stage)

    def _editions_run_by_others(self, stage):
        """An existing edition is changed only by whoever runs it (`policy.managed_condition`):
        `scope_values` checks the file's values, not whose edition a known `edition_ref` is."""
        if policy.import_scope_values(stage.user, self.name) is None:
            return
        managed = policy.managed_condition(stage.user)
        others = Edition.objects.all() if managed is None else Edition.objects.exclude(managed)
        sql, params = others.values("ref").query.sql_with_params()
        for row, value in stage.fetch(
                f"SELECT s._row, s.edition_ref FROM {stage.t} s WHERE s.edition_ref IN ({sql}) "
                "ORDER BY s._row", params):
            yield ImportError_(_("deze editie bestaat al en wordt door een ander beheerd; "
                                 "kies een ander editienummer"), row, "edition_ref", value)

    def write(self, stage, *, dry_run):
        now = stage.now
        counts = stage.upsert(
            Edition, key="ref", key_expr="s.edition_ref",
            source=(f"{stage.t} s JOIN {_t(Intervention)} i ON i.code = s.intervention "
                    f"JOIN {_t(Institution)} o ON o.code = s.institution"),
            fields={"intervention": "i.id", "institution": "o.id", "starts_on": "s.starts_on",
                    "ends_on": "s.ends_on"},
            insert_only={"capacity": "i.group_max", "sessions": "i.sessions", "leaders": "''",
                         "location": "''", "notes": "''", "version": "1", "created_at": now,
                         "updated_at": now},
            on_update={"version": f"{_t(Edition)}.version + 1", "updated_at": now},
            dry_run=dry_run,
        )
        return counts, {}


BEFORE_START = "('referred', 'intake', 'approved')"
DROP_OUTCOMES = "('dropped_transfer', 'dropped_release', 'dropped_own_choice', 'expelled')"


@register
class Enrolments(ImportKind):
    name = "enrolments"
    label = gettext_lazy("Deelnames aan interventies")
    description = gettext_lazy(
        "Eén rij per deelname: enrolment_ref, edition_ref (bestaande editie), participant_ref "
        "(bestaande deelnemer), enrolled_on, outcome (leeg zolang de deelname loopt), "
        "outcome_on.")
    permission = "interventions.import"
    key = "enrolment_ref"
    columns = [
        Column("enrolment_ref", "ref", required=True),
        Column("edition_ref", "ref", required=True),
        Column("participant_ref", "ref", required=True),
        Column("enrolled_on", "date", required=True),
        Column("outcome", "code", code_list="enrolment_outcomes"),
        Column("outcome_on", "date"),
    ]

    def row_errors(self, row):
        if row["outcome"] and not row["outcome_on"]:
            yield "outcome_on", _("verplicht als outcome is ingevuld")
        elif row["outcome_on"] and not row["outcome"]:
            yield "outcome_on", _("hoort alleen bij een outcome")
        elif row["outcome_on"]:
            if row["outcome_on"] < row["enrolled_on"]:
                yield "outcome_on", _("ligt voor enrolled_on")
            elif row["outcome_on"] > timezone.localdate().isoformat():
                yield "outcome_on", _("ligt in de toekomst")

    def scope_values(self, user):
        return policy.import_scope_values(user, self.name)

    def checks(self, stage):
        yield from super().checks(stage)
        yield from stage.unknown_references(
            "edition_ref", Edition, "ref",
            reason=_("onbekende editie; importeer de editie eerst (KIND editions)"))
        yield from stage.unknown_references("participant_ref", Participant, "ref",
                                            reason=_("onbekende deelnemer"))
        enrolment, edition, participant = _t(Enrolment), _t(Edition), _t(Participant)
        steps = _t(EnrolmentStep)
        existing = (f"FROM {stage.t} s JOIN {enrolment} x ON x.ref = s.enrolment_ref "
                    f"LEFT JOIN {edition} e ON e.id = x.edition_id "
                    f"JOIN {participant} p ON p.id = x.participant_id ")
        for row, value in stage.fetch(
                f"SELECT s._row, s.edition_ref {existing} "
                f"WHERE NOT {stage.same('e.ref', 's.edition_ref')} ORDER BY s._row"):
            yield ImportError_(_("deze deelname hoort bij een andere editie (of staat op de "
                                 "wachtlijst); een deelname verhuist niet"), row, "edition_ref",
                               value)
        for row, value in stage.fetch(
                f"SELECT s._row, s.participant_ref {existing} "
                "WHERE p.ref <> s.participant_ref ORDER BY s._row"):
            yield ImportError_(_("deze deelname is van een andere deelnemer"), row,
                               "participant_ref", value)
        # Outcomes of existing enrolments must be steps the workflow allows.
        for row, value, status, stored in stage.fetch(
                f"SELECT s._row, s.outcome, x.status, x.outcome {existing} "
                f"WHERE NOT {stage.same('x.outcome', 'COALESCE(s.outcome, %s)')} "
                "ORDER BY s._row", [""]):
            value = value or ""
            if stored:
                reason = _("deze deelname is al afgesloten met uitkomst %(outcome)s; een "
                           "import verandert dat niet") % {"outcome": stored}
            elif status == "rejected":
                reason = _("deze deelnemer is niet toegelaten; er volgt geen uitkomst")
            elif value == "not_started" and status == "started":
                reason = _("deze deelnemer is al begonnen; kies de reden van stoppen")
            elif value != "not_started" and status != "started":
                reason = _("deze deelname is nog niet gestart (stand: %(status)s); leg de "
                           "toelating en de start eerst vast") % {"status": status}
            else:
                continue
            yield ImportError_(reason, row, "outcome", value)
        for row, value, last in stage.fetch(
                f"SELECT s._row, s.outcome_on, (SELECT MAX(st.{qn('on')}) FROM {steps} st "
                f"WHERE st.enrolment_id = x.id) {existing} "
                "WHERE s.outcome IS NOT NULL AND x.outcome = '' ORDER BY s._row"):
            if last is not None and str(value) < str(last):
                yield ImportError_(_("ligt voor de laatste vastgelegde stap (%(date)s)") % {
                    "date": str(last)}, row, "outcome_on", str(value))
        yield from self._dates_of_existing(stage, existing)

    @staticmethod
    def _dates_of_existing(stage, existing):
        """The dates of an existing enrolment stay in line with its recorded steps (which an
        import never edits): a closed one keeps its dates; a running one's `enrolled_on` does
        not move past its first step."""
        steps = _t(EnrolmentStep)
        for (row, status, stored_outcome, outcome, enrolled_on, stored_enrolled_on, outcome_on,
             stored_outcome_on, first) in stage.fetch(
                "SELECT s._row, x.status, x.outcome, s.outcome, s.enrolled_on, x.enrolled_on, "
                f"s.outcome_on, x.outcome_on, (SELECT MIN(st.{qn('on')}) FROM {steps} st "
                f"WHERE st.enrolment_id = x.id) {existing} "
                f"WHERE NOT {stage.same('s.enrolled_on', 'x.enrolled_on')} "
                f"OR NOT {stage.same('s.outcome_on', 'x.outcome_on')} ORDER BY s._row"):
            if status in workflows.FINAL:
                if str(enrolled_on) != str(stored_enrolled_on):
                    yield ImportError_(_("deze deelname is al afgesloten; een import verandert "
                                         "de aanmelddatum (%(date)s) niet") % {
                        "date": str(stored_enrolled_on)}, row, "enrolled_on", str(enrolled_on))
                if (outcome or "") == stored_outcome and \
                        str(outcome_on or "") != str(stored_outcome_on or ""):
                    yield ImportError_(_("deze deelname is al afgesloten; een import verandert "
                                         "de datum van de uitkomst (%(date)s) niet") % {
                        "date": str(stored_outcome_on)}, row, "outcome_on",
                        str(outcome_on or ""))
            elif first is not None and str(enrolled_on) > str(first):
                yield ImportError_(_("ligt na de eerste vastgelegde stap (%(date)s)") % {
                    "date": str(first)}, row, "enrolled_on", str(enrolled_on))

    def write(self, stage, *, dry_run):
        now = stage.now
        enrolment, edition, participant = _t(Enrolment), _t(Edition), _t(Participant)
        counts = stage.upsert(
            Enrolment, key="ref", key_expr="s.enrolment_ref",
            source=(f"{stage.t} s JOIN {edition} e ON e.ref = s.edition_ref "
                    f"JOIN {participant} p ON p.ref = s.participant_ref "
                    f"LEFT JOIN {enrolment} cur ON cur.ref = s.enrolment_ref"),
            fields={"edition": "e.id", "participant": "p.id",
                    "intervention": "e.intervention_id", "institution": "e.institution_id",
                    "enrolled_on": "s.enrolled_on", "outcome": "COALESCE(s.outcome, '')",
                    "outcome_on": "s.outcome_on",
                    "status": ("CASE WHEN s.outcome IS NULL THEN COALESCE(cur.status, "
                               "'started') WHEN s.outcome = 'completed' THEN 'completed' "
                               "ELSE 'ended' END")},
            insert_only={"content_report": "''", "version": "1", "created_at": now,
                         "updated_at": now},
            on_update={"version": f"{enrolment}.version + 1", "updated_at": now},
            dry_run=dry_run,
        )
        if dry_run:
            return counts, {}
        steps = _t(EnrolmentStep)
        columns = ", ".join(qn(c) for c in (
            "enrolment_id", "action", "from_status", "to_status", "on", "reason", "outcome",
            "decided_by", "edition_id", "source", "recorded_at"))
        registered = stage.execute(
            f"INSERT INTO {steps} ({columns}) "
            "SELECT x.id, 'register', '', CASE WHEN s.outcome = 'not_started' THEN 'approved' "
            f"ELSE 'started' END, s.enrolled_on, %s, '', '', x.edition_id, 'import', {now} "
            f"FROM {stage.t} s JOIN {enrolment} x ON x.ref = s.enrolment_ref "
            f"WHERE NOT EXISTS (SELECT 1 FROM {steps} st WHERE st.enrolment_id = x.id)",
            [_("Ingeschreven vanuit de deelnemerslijst (import)")])
        closed = stage.execute(
            f"INSERT INTO {steps} ({columns}) "
            "SELECT x.id, CASE WHEN x.status = 'completed' THEN 'complete' ELSE 'end' END, "
            f"last.to_status, x.status, x.outcome_on, %s, x.outcome, '', x.edition_id, "
            f"'import', {now} "
            f"FROM {stage.t} s JOIN {enrolment} x ON x.ref = s.enrolment_ref "
            f"JOIN {steps} last ON last.id = (SELECT MAX(st.id) FROM {steps} st "
            "WHERE st.enrolment_id = x.id) "
            "WHERE last.to_status <> x.status",
            [_("Uitkomst uit de deelnemerslijst (import)")])
        return counts, {"steps": Counts(created=registered + closed).as_dict()}
