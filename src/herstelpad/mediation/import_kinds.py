"""The `mediation-cases` KIND (INTERCHANGE §2.3): the mediation organisation's case register,
offender side and process data only — no victim data travels in this file.

Rules within a row (besides the columns' own): the institution is required for the channels
`pi`, `self` and `jji`; `assigned_on` ≥ `received_on`; `closed_on` ≥ `assigned_on` (or
`received_on`); a case has a contact form or a stop reason, never both; a case closed without
`assigned_on` needs a `not_assigned_reason` (and only such a case has one); a case closed after
assignment without contact needs a `stop_reason`; contact and stop reasons belong to assigned
cases, stop reasons to closed ones; a case does not reopen itself.
Across rows (SQL): duplicate keys, unknown institutions, participants and reopened cases (in
the database or this file), and keys of cases that are managed in Herstelpad itself (created
in the application: the import does not overwrite their recorded workflow).

Imported cases are managed in the organisation's own register: Herstelpad shows them, counts
them and can reopen them as a new case, but records no steps on them. Their state is derived
from the facts (closed / assigned / registered); each import that changes it records an
`import` step, so the phase history stays on record (and the prison's view, with consent, can
show it).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from herstelpad.imports.engine import Column, ImportError_, ImportKind, qn
from herstelpad.imports.registry import register
from herstelpad.mediation.models import CaseStep, MediationCase, NotAssignedReason

INSTITUTION_CHANNELS = ("pi", "self", "jji")


@register
class MediationCases(ImportKind):
    name = "mediation-cases"
    label = "Herstelbemiddeling: zaakregister"
    description = ("Zaken van de bemiddelingsorganisatie: daderkant en procesgegevens, nooit "
                   "gegevens van het slachtoffer (INTERCHANGE §2.3).")
    permission = "mediation.import"
    key = "case_ref"
    columns = [
        Column("case_ref", "ref", required=True),
        Column("received_on", "date", required=True),
        Column("channel", "code", required=True, code_list="mediation_channels"),
        Column("initiating_party", "choice", required=True,
               choices=("offender", "victim", "third_party")),
        Column("institution", "text", max_length=64),
        Column("participant_ref", "ref"),
        Column("offence_category", "code", code_list="offence_categories"),
        Column("assigned_on", "date"),
        Column("not_assigned_reason", "choice", choices=tuple(NotAssignedReason.values)),
        Column("closed_on", "date"),
        Column("contact_form", "code", code_list="mediation_contact_forms"),
        Column("stop_reason", "code", code_list="mediation_stop_reasons"),
        Column("reopens_case_ref", "ref"),
    ]

    def row_errors(self, row):
        received, assigned, closed = row["received_on"], row["assigned_on"], row["closed_on"]
        if row["channel"] in INSTITUTION_CHANNELS and not row["institution"]:
            yield "institution", _("verplicht bij de aanmeldroutes pi, self en jji")
        if assigned and assigned < received:
            yield "assigned_on", _("ligt voor received_on")
        if closed and closed < (assigned or received):
            yield "closed_on", (_("ligt voor assigned_on") if assigned
                                else _("ligt voor received_on"))
        if row["contact_form"] and row["stop_reason"]:
            yield "stop_reason", _("een zaak heeft een contact_form of een stop_reason, nooit "
                                   "allebei")
        if closed and not assigned and not row["not_assigned_reason"]:
            yield "not_assigned_reason", _("verplicht bij een zaak die is afgesloten zonder "
                                           "assigned_on")
        if row["not_assigned_reason"] and (assigned or not closed):
            yield "not_assigned_reason", _("alleen bij een zaak die is afgesloten zonder "
                                           "toewijzing (closed_on ingevuld, assigned_on leeg)")
        if closed and assigned and not row["contact_form"] and not row["stop_reason"]:
            yield "stop_reason", _("verplicht bij een toegewezen zaak die zonder contact is "
                                   "afgesloten")
        if row["stop_reason"] and not (closed and assigned):
            yield "stop_reason", _("alleen bij een toegewezen zaak die is afgesloten")
        if row["contact_form"] and not assigned:
            yield "contact_form", _("contact is er alleen in een toegewezen zaak")
        if row["reopens_case_ref"] and row["reopens_case_ref"] == row["case_ref"]:
            yield "reopens_case_ref", _("een zaak kan zichzelf niet heropenen")

    def checks(self, stage):
        from herstelpad.organisations.models import Institution
        from herstelpad.participants.models import Participant

        yield from super().checks(stage)
        yield from stage.unknown_references("institution", Institution, "code",
                                            reason=_("onbekende inrichting"))
        yield from stage.unknown_references("participant_ref", Participant, "ref",
                                            reason=_("onbekende deelnemer"))
        yield from stage.unknown_references("reopens_case_ref", MediationCase, "ref",
                                            or_stage_column="case_ref",
                                            reason=_("onbekende zaak (niet in Herstelpad en "
                                                     "niet in dit bestand)"))
        cases = stage.qn_table(MediationCase)
        for row, ref in stage.fetch(
                f"SELECT s._row, s.case_ref FROM {stage.t} s JOIN {cases} c ON c.ref = "
                "s.case_ref WHERE c.source = %s ORDER BY s._row", ["app"]):
            yield ImportError_(_("deze zaak is in Herstelpad zelf geregistreerd en wordt daar "
                                 "bijgehouden; een import overschrijft haar niet"), row,
                               "case_ref", ref)

    def write(self, stage, *, dry_run):
        from herstelpad.organisations.models import Institution, Organisation
        from herstelpad.participants.models import Participant

        now = stage.now
        cases = stage.qn_table(MediationCase)
        organisation = (f"(SELECT id FROM {stage.qn_table(Organisation)} WHERE code = "
                        "'PERSPECTIEF')")
        source = (f"{stage.t} s LEFT JOIN {stage.qn_table(Participant)} p ON p.ref = "
                  f"s.participant_ref LEFT JOIN {stage.qn_table(Institution)} i ON i.code = "
                  f"s.institution LEFT JOIN {cases} r ON r.ref = s.reopens_case_ref")
        state = ("CASE WHEN s.closed_on IS NOT NULL THEN 'closed' WHEN s.assigned_on IS NOT "
                 "NULL THEN 'assigned' ELSE 'registered' END")
        counts = stage.upsert(
            MediationCase, key="ref", key_expr="s.case_ref", source=source,
            fields={
                "received_on": "s.received_on", "channel": "s.channel",
                "initiating_party": "s.initiating_party", "institution": "i.id",
                "participant": "p.id",
                "offence_category": "COALESCE(s.offence_category, '')",
                "assigned_on": "s.assigned_on", "closed_on": "s.closed_on",
                "not_assigned_reason": "COALESCE(s.not_assigned_reason, '')",
                "contact_form": "COALESCE(s.contact_form, '')",
                "stop_reason": "COALESCE(s.stop_reason, '')",
                "reopens": "r.id", "state": state,
                "state_since": "COALESCE(s.closed_on, s.assigned_on, s.received_on)",
            },
            insert_only={
                "organisation": organisation, "source": "'import'", "version": "1",
                "referrer_function": "''", "referrer_name": "''", "referrer_contact": "''",
                "contact_person": "''", "matter": "''", "request_note": "''",
                "paused_from": "''", "created_at": now, "updated_at": now,
            },
            on_update={"version": f"{cases}.version + 1", "updated_at": now},
            dry_run=dry_run)
        targets = {}
        if not dry_run:
            # A case reopening another case of this same file: link it now both exist.
            stage.execute(
                f"UPDATE {cases} SET reopens_id = (SELECT r.id FROM {stage.t} s JOIN {cases} r "
                f"ON r.ref = s.reopens_case_ref WHERE s.case_ref = {cases}.ref) WHERE "
                f"reopens_id IS NULL AND ref IN (SELECT case_ref FROM {stage.t} WHERE "
                "reopens_case_ref IS NOT NULL)")
            created = self._record_steps(stage)
            # Steps are only ever added: a case whose state did not change gets none.
            targets["steps"] = {"created": created, "updated": 0,
                                "unchanged": stage.rows - created}
        return counts, targets

    def _record_steps(self, stage) -> int:
        """An `import` step for every case of the file whose state, date or reason differs
        from its last recorded step (so a second import of the same file adds nothing)."""
        from herstelpad.audit.services import current_actor

        actor = current_actor()
        actor_id = getattr(actor, "pk", None)
        label = (getattr(actor, "username", "") or "import")[:150]
        cases, steps = stage.qn_table(MediationCase), stage.qn_table(CaseStep)
        on = qn("on")
        code = ("CASE WHEN c.contact_form <> '' THEN c.contact_form WHEN c.stop_reason <> '' "
                "THEN c.stop_reason ELSE c.not_assigned_reason END")
        return stage.execute(
            f"INSERT INTO {steps} (case_id, action, from_state, to_state, {on}, code, answer, "
            "until, reason, actor_id, actor_label, recorded_at) "
            f"SELECT c.id, 'import', COALESCE(l.to_state, ''), c.state, c.state_since, {code}, "
            f"'', NULL, '', %s, %s, {stage.now} FROM {stage.t} s "
            f"JOIN {cases} c ON c.ref = s.case_ref "
            f"LEFT JOIN {steps} l ON l.id = (SELECT MAX(x.id) FROM {steps} x "
            "WHERE x.case_id = c.id) "
            f"WHERE l.id IS NULL OR l.to_state <> c.state OR l.{on} <> c.state_since "
            f"OR l.code <> {code}", [actor_id, label])
