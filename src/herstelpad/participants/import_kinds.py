"""The `stays` KIND (INTERCHANGE §2.1): participants and their stays in an institution.

Key `stay_ref`. A participant's `sex` and `birth_year` must agree across its rows; an empty cell
leaves a known value alone. A participant's stays must not overlap (in the file, nor with the
stays already registered that the file does not replace); a stay occupies [entered_on,
left_on), so a transfer may leave and enter on the same day. After writing, the episodes of
every participant in the file are derived again (`services.assign_episodes`), so transfers
continue an episode and re-admissions start a new one, exactly as for stays made in the UI.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.imports.engine import Column, ImportError_, ImportKind, WriteRefused, qn
from herstelpad.imports.registry import register
from herstelpad.organisations.models import Institution, Municipality
from herstelpad.participants.models import Participant, Stay

SEXES = ("male", "female", "other", "unknown")
FAR_FUTURE = "9999-12-31"
BATCH = 1000


@register
class Stays(ImportKind):
    name = "stays"
    label = gettext_lazy("Verblijven (deelnemers en hun verblijven)")
    description = gettext_lazy(
        "Deelnemers en hun verblijven in een inrichting, bijvoorbeeld uit de landelijke "
        "registratie. Een overplaatsing is een nieuw verblijf dat begint op de dag dat het "
        "vorige eindigt; de detentieperiodes worden daarna opnieuw afgeleid.")
    permission = "participants.import"
    key = "stay_ref"
    columns = [
        Column("participant_ref", "ref", required=True,
               description=gettext_lazy("Stabiele, gepseudonimiseerde sleutel van de persoon")),
        Column("stay_ref", "ref", required=True, description=gettext_lazy("Sleutel van dit verblijf")),
        Column("institution", "text", required=True, max_length=64,
               description=gettext_lazy("Code uit institutions.csv")),
        Column("entered_on", "date", required=True),
        Column("left_on", "date", description=gettext_lazy("Leeg zolang de deelnemer er is")),
        Column("legal_status", "code", code_list="legal_statuses"),
        Column("sex", "choice", choices=SEXES),
        Column("birth_year", "year"),
        Column("sentence_end_on", "date"),
        Column("outflow_type", "code", code_list="outflow_types",
               description=gettext_lazy("Verplicht bij vertrek uit een voorziening")),
        Column("return_reason", "code", code_list="return_reasons",
               description=gettext_lazy("Verplicht bij uitstroom 'returned'")),
        Column("aftercare_municipality", "text", max_length=120,
               description=gettext_lazy("Naam of code van de gemeente")),
    ]

    def row_errors(self, row):
        if row["left_on"] and row["left_on"] < row["entered_on"]:
            yield "left_on", _("ligt voor entered_on")
        if row["outflow_type"] == "returned" and not row["return_reason"]:
            yield "return_reason", _("verplicht bij uitstroom 'returned'")
        if row["return_reason"] and row["outflow_type"] != "returned":
            yield "return_reason", _("alleen bij uitstroom 'returned'")
        if row["outflow_type"] and not row["left_on"]:
            yield "outflow_type", _("alleen bij een vertrekdatum (left_on)")

    def scope_values(self, user):
        if user is None or policy.has_perm(user, "reference.manage"):
            return None  # the operator and the functional administrator: every institution
        return {"institution": set(policy.visible_institutions(user).values_list("code",
                                                                                 flat=True))}

    def checks(self, stage):
        yield from super().checks(stage)
        yield from stage.unknown_references(
            "institution", Institution, "code",
            reason=_("onbekende inrichting (gebruik een code uit institutions.csv)"))
        yield from stage.disagreeing("participant_ref", "sex",
                                     _("ander geslacht dan rij %(row)d van deze deelnemer"))
        yield from stage.disagreeing("participant_ref", "birth_year",
                                     _("ander geboortejaar dan rij %(row)d van deze deelnemer"))
        t = stage.t
        # Leaving a facility needs an outflow type.
        for row, value in stage.fetch(
                f"SELECT s._row, s.left_on FROM {t} s JOIN {qn(Institution._meta.db_table)} i "
                "ON i.code = s.institution WHERE s.left_on IS NOT NULL AND s.outflow_type IS "
                "NULL AND i.type = 'facility' ORDER BY s._row"):
            yield ImportError_(_("verplicht bij vertrek uit een voorziening"), row,
                               "outflow_type", "")
        # Stays of one participant must not overlap: within the file ...
        for row, first, ref in stage.fetch(
                f"SELECT b._row, MIN(a._row), b.stay_ref FROM {t} a JOIN {t} b "
                "ON a.participant_ref = b.participant_ref AND a._row < b._row "
                f"AND a.entered_on < COALESCE(b.left_on, '{FAR_FUTURE}') "
                f"AND b.entered_on < COALESCE(a.left_on, '{FAR_FUTURE}') "
                "GROUP BY b._row, b.stay_ref ORDER BY b._row"):
            yield ImportError_(_("overlapt met het verblijf in rij %(row)d van dezelfde "
                                 "deelnemer") % {"row": first}, row, "entered_on",
                               _str(stage, row, "entered_on"))
        # ... and with registered stays the file does not replace.
        stays, people = qn(Stay._meta.db_table), qn(Participant._meta.db_table)
        for row, other in stage.fetch(
                f"SELECT s._row, MIN(x.ref) FROM {t} s JOIN {people} p ON p.ref = "
                f"s.participant_ref JOIN {stays} x ON x.participant_id = p.id "
                f"AND x.ref <> s.stay_ref AND NOT EXISTS (SELECT 1 FROM {t} o WHERE "
                "o.stay_ref = x.ref) "
                f"AND x.entered_on < COALESCE(s.left_on, '{FAR_FUTURE}') "
                f"AND s.entered_on < COALESCE(x.left_on, '{FAR_FUTURE}') "
                "GROUP BY s._row ORDER BY s._row"):
            yield ImportError_(_("overlapt met verblijf %(ref)s dat al is geregistreerd") % {
                "ref": other}, row, "entered_on", _str(stage, row, "entered_on"))
        # A stay registered at an institution outside the importer's own may not be changed
        # (moved, re-dated) through the file, whatever institution the row names.
        allowed = self.scope_values(stage.user)
        if allowed is not None:
            codes = sorted(allowed["institution"])
            outside = (f"i.code NOT IN ({', '.join(['%s'] * len(codes))})" if codes
                       else "1 = 1")
            for row, value in stage.fetch(
                    f"SELECT s._row, s.stay_ref FROM {t} s JOIN {qn(Stay._meta.db_table)} x "
                    f"ON x.ref = s.stay_ref JOIN {qn(Institution._meta.db_table)} i "
                    f"ON i.id = x.institution_id WHERE {outside} ORDER BY s._row", codes):
                yield ImportError_(_("dit verblijf is geregistreerd bij een inrichting waarvoor "
                                     "u niet mag importeren"), row, "stay_ref", value)
        # A stay may not move to another person.
        for row, value in stage.fetch(
                f"SELECT s._row, s.stay_ref FROM {t} s JOIN {stays} x ON x.ref = s.stay_ref "
                f"JOIN {people} p ON p.id = x.participant_id WHERE p.ref <> s.participant_ref "
                "ORDER BY s._row"):
            yield ImportError_(_("dit verblijf hoort al bij een andere deelnemer"), row,
                               "stay_ref", value)

    def write(self, stage, *, dry_run):
        t = stage.t
        people = Participant._meta.db_table
        participants = stage.upsert(
            Participant, key="ref", key_expr="s.participant_ref",
            source=(f"(SELECT participant_ref, MAX(sex) AS sex, MAX(birth_year) AS birth_year "
                    f"FROM {t} GROUP BY participant_ref) s"),
            fields={"sex": "s.sex", "birth_year": "s.birth_year"},
            keep_when_empty=["sex", "birth_year"], dry_run=dry_run)
        municipality = qn(Municipality._meta.db_table)
        # An empty cell is "not known" (INTERCHANGE §2): legal status, sentence end and
        # aftercare municipality keep what is stored (entered in the app, say). An empty
        # `left_on` means "still present" and does clear the date.
        stays = stage.upsert(
            Stay, key="ref", key_expr="s.stay_ref",
            source=(f"{t} s LEFT JOIN {qn(people)} p ON p.ref = s.participant_ref "
                    f"LEFT JOIN {qn(Institution._meta.db_table)} i ON i.code = s.institution "
                    f"LEFT JOIN {qn(Stay._meta.db_table)} old ON old.ref = s.stay_ref "
                    f"LEFT JOIN {municipality} m ON LOWER(m.code) = "
                    "LOWER(s.aftercare_municipality) OR LOWER(m.name) = "
                    "LOWER(s.aftercare_municipality)"),
            fields={
                "participant": "p.id", "institution": "i.id", "entered_on": "s.entered_on",
                "left_on": "s.left_on", "legal_status": "s.legal_status",
                "sentence_end_on": "s.sentence_end_on",
                "outflow_type": "COALESCE(s.outflow_type, '')",
                "return_reason": "COALESCE(s.return_reason, '')",
                "aftercare_municipality": "s.aftercare_municipality",
                # The municipality follows the name in the file; no name keeps the stored one.
                "municipality": "CASE WHEN s.aftercare_municipality IS NULL "
                                "THEN old.municipality_id ELSE m.id END",
            }, keep_when_empty=["legal_status", "sentence_end_on", "aftercare_municipality"],
            dry_run=dry_run)
        if not dry_run:
            self.derive_episodes(stage)
        return stays, {"participants": participants.as_dict()}

    def derive_episodes(self, stage) -> None:
        from herstelpad.participants import services

        ids = [pk for (pk,) in stage.fetch(
            f"SELECT DISTINCT p.id FROM {qn(Participant._meta.db_table)} p JOIN {stage.t} s "
            "ON s.participant_ref = p.ref ORDER BY p.id")]
        for start in range(0, len(ids), BATCH):
            try:
                services.assign_episodes(ids[start:start + BATCH])
            except ValidationError as exc:
                raise WriteRefused([ImportError_(
                    _("de detentieperiodes kunnen niet opnieuw worden afgeleid: %(reason)s")
                    % {"reason": " ".join(exc.messages)})]) from None


def _str(stage, row: int, column: str) -> str:
    value = stage.scalar(f"SELECT {qn(column)} FROM {stage.t} WHERE _row = %s", [row])
    return "" if value is None else str(value)
