"""The `goals` KIND (INTERCHANGE §2.2): plan goals of known participants.

Key `goal_ref`. `closed_on` is required when the status is not `open` (and only then), and not
before `set_on`. The goal's status history (`GoalStatusChange`) is kept as in the UI: a new
goal starts `open` on `set_on` and, when the file says it is closed, changes to its status on
`closed_on`; an existing goal whose status the file changes gets one change on `closed_on`
(or on the day of the import when the file reopens it). Changes made by an import carry the
reason "import". The history stays replayable, as in the UI: a closed goal is not closed
differently (another closed status, or the same with another `closed_on`: an error row), and a
change is never dated before the goal's last recorded change. A goal belongs to the plan of
the participant's episode that contains `set_on`, when there is one.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.imports.engine import Column, ImportError_, ImportKind, qn
from herstelpad.imports.registry import register
from herstelpad.participants.models import Participant
from herstelpad.plans.models import Goal, GoalStatus, GoalStatusChange

IMPORT_REASON = "import"


@register
class Goals(ImportKind):
    name = "goals"
    label = gettext_lazy("Doelen")
    description = gettext_lazy(
        "Doelen per leefgebied van deelnemers die al in Herstelpad staan, met hun stand van "
        "zaken. De statusgeschiedenis wordt bijgehouden zoals bij doelen in het dossier.")
    permission = "plans.import"
    key = "goal_ref"
    columns = [
        Column("goal_ref", "ref", required=True),
        Column("participant_ref", "ref", required=True,
               description=gettext_lazy("Moet al bestaan")),
        Column("domain", "code", required=True, code_list="domains"),
        Column("set_on", "date", required=True),
        Column("status", "choice", required=True, choices=tuple(GoalStatus.values)),
        Column("closed_on", "date",
               description=gettext_lazy("Verplicht als de status niet 'open' is")),
        Column("rating", "int", min_value=1, max_value=5,
               description=gettext_lazy("1–5: het oordeel van de professional bij uitstroom")),
        Column("description", "text", max_length=2000,
               description=gettext_lazy("Het doel in de eigen woorden van de deelnemer")),
    ]

    def row_errors(self, row):
        if row["status"] != GoalStatus.OPEN and not row["closed_on"]:
            yield "closed_on", _("verplicht als de status niet 'open' is")
        if row["status"] == GoalStatus.OPEN and row["closed_on"]:
            yield "closed_on", _("alleen bij een afgesloten doel")
        if row["closed_on"] and row["closed_on"] < row["set_on"]:
            yield "closed_on", _("ligt voor set_on")

    def checks(self, stage):
        yield from super().checks(stage)
        yield from stage.unknown_references(
            "participant_ref", Participant, "ref",
            reason=_("deze deelnemer bestaat niet (importeer eerst de verblijven)"))
        goals, people = qn(Goal._meta.db_table), qn(Participant._meta.db_table)
        for row, value in stage.fetch(
                f"SELECT s._row, s.goal_ref FROM {stage.t} s JOIN {goals} g ON g.ref = "
                f"s.goal_ref JOIN {people} p ON p.id = g.participant_id "
                "WHERE p.ref <> s.participant_ref ORDER BY s._row"):
            yield ImportError_(_("dit doel hoort al bij een andere deelnemer"), row,
                               "goal_ref", value)
        yield from self.history_errors(stage)
        user = stage.user
        if user is not None and not policy.has_perm(user, "reference.manage"):
            visible = policy.visible_participants(user).values_list("ref", flat=True)
            sql, params = visible.query.sql_with_params()
            for row, value in stage.fetch(
                    f"SELECT s._row, s.participant_ref FROM {stage.t} s WHERE "
                    f"s.participant_ref NOT IN ({sql}) ORDER BY s._row", params):
                yield ImportError_(_("u mag geen doelen vastleggen voor deze deelnemer"), row,
                                   "participant_ref", value)

    def history_errors(self, stage):
        """Rows that would make a stored goal's status history unreplayable."""
        goals, changes = qn(Goal._meta.db_table), qn(GoalStatusChange._meta.db_table)
        t = stage.t
        for row, value, status in stage.fetch(
                f"SELECT s._row, s.status, g.status FROM {t} s JOIN {goals} g "
                "ON g.ref = s.goal_ref WHERE g.status <> 'open' AND s.status <> 'open' "
                "AND s.status <> g.status ORDER BY s._row"):
            yield ImportError_(_("dit doel is al afgesloten als '%(status)s'; een andere "
                                 "afsluiting kan alleen na heropenen") % {"status": status},
                               row, "status", value)
        for row, value, closed_on in stage.fetch(
                f"SELECT s._row, s.closed_on, g.closed_on FROM {t} s JOIN {goals} g "
                "ON g.ref = s.goal_ref WHERE g.status <> 'open' AND s.status = g.status "
                "AND s.closed_on <> g.closed_on ORDER BY s._row"):
            yield ImportError_(_("dit doel is al afgesloten op %(date)s; die datum verandert "
                                 "niet door een import") % {"date": closed_on}, row,
                               "closed_on", str(value))
        for row, value, last in stage.fetch(
                f"SELECT s._row, s.closed_on, MAX(c.changed_on) FROM {t} s JOIN {goals} g "
                f"ON g.ref = s.goal_ref JOIN {changes} c ON c.goal_id = g.id "
                "WHERE s.status <> g.status AND s.status <> 'open' "
                "GROUP BY s._row, s.closed_on HAVING s.closed_on < MAX(c.changed_on) "
                "ORDER BY s._row"):
            yield ImportError_(_("ligt voor de laatste vastgelegde wijziging van dit doel "
                                 "(%(date)s)") % {"date": last}, row, "closed_on", str(value))

    def write(self, stage, *, dry_run):
        t = stage.t
        goals, changes = qn(Goal._meta.db_table), qn(GoalStatusChange._meta.db_table)
        now = stage.now
        fresh = qn(f"{stage.table}_new")
        if not dry_run:
            # Existing goals whose status changes: one history entry each (before the update,
            # while the old status is still there). New goals are noted for after the update.
            stage.execute(
                f"INSERT INTO {changes} (goal_id, from_status, status, changed_on, reason, "
                f"recorded_at) SELECT g.id, g.status, s.status, COALESCE(s.closed_on, %s), "
                f"%s, {now} FROM {t} s JOIN {goals} g ON g.ref = s.goal_ref "
                "WHERE g.status <> s.status", [timezone.localdate(), IMPORT_REASON])
            stage.execute(f"CREATE TEMPORARY TABLE {fresh} AS SELECT s.goal_ref FROM {t} s "
                          f"WHERE NOT EXISTS (SELECT 1 FROM {goals} g WHERE g.ref = s.goal_ref)")
        try:
            counts = stage.upsert(
                Goal, key="ref", key_expr="s.goal_ref",
                source=f"{t} s LEFT JOIN {qn(Participant._meta.db_table)} p "
                       "ON p.ref = s.participant_ref",
                fields={"participant": "p.id", "plan": self.plan_expression(),
                        "domain": "s.domain", "set_on": "s.set_on",
                        "status": "s.status", "closed_on": "s.closed_on", "rating": "s.rating",
                        "description": "s.description"},
                # An empty cell is "not known": a rating or description given in the app stays.
                keep_when_empty=["rating", "description"], dry_run=dry_run)
            if not dry_run:
                # New goals: `open` on the day they were set, then their closing status.
                new_goals = (f"FROM {fresh} n JOIN {goals} g ON g.ref = n.goal_ref")
                stage.execute(
                    f"INSERT INTO {changes} (goal_id, from_status, status, changed_on, reason, "
                    f"recorded_at) SELECT g.id, '', 'open', g.set_on, %s, {now} {new_goals}",
                    [IMPORT_REASON])
                stage.execute(
                    f"INSERT INTO {changes} (goal_id, from_status, status, changed_on, reason, "
                    f"recorded_at) SELECT g.id, 'open', g.status, g.closed_on, %s, {now} "
                    f"{new_goals} WHERE g.status <> 'open'", [IMPORT_REASON])
        finally:
            if not dry_run:
                stage.execute(f"DROP TABLE IF EXISTS {fresh}")
        return counts, {}

    @staticmethod
    def plan_expression() -> str:
        """The plan of the participant's episode that contains `set_on` (or NULL)."""
        from herstelpad.participants.models import Episode
        from herstelpad.plans.models import Plan

        return (f"(SELECT pl.id FROM {qn(Plan._meta.db_table)} pl JOIN "
                f"{qn(Episode._meta.db_table)} e ON e.id = pl.episode_id WHERE "
                "e.participant_id = p.id AND e.started_on <= s.set_on AND (e.ended_on IS NULL "
                "OR e.ended_on >= s.set_on))")
