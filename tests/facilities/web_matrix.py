"""Matrix data for the facility pages: a stay at Huis van Herstel (SF-MATRIX) of a participant
who came from PI Arnhem (so the matrix's users, who work at PI Arnhem, see the dossier during
the handover) with an open temporary return. The facility team's forms on it are refused to
every matrix role (none of them works at Huis van Herstel); `test_views` opens them for the
team."""

from __future__ import annotations

import datetime as dt

from herstelpad.facilities import services
from herstelpad.participants import services as participants
from tests.dossier import days_ago, institution


def make_matrix_facility_stay() -> dict:
    person = participants.create_participant(actor=None, ref="P-MATRIX-FAC", given_name="Matrix",
                                             family_name="Voorziening", sex="male")
    entered_on = days_ago(100)
    first = participants.admit(person, actor=None, institution=institution("PI-ARNHEM"),
                               entered_on=entered_on, legal_status="convicted",
                               sentence_end_on=entered_on + dt.timedelta(days=400))
    stay = participants.transfer(first, actor=None, expected_version=first.version,
                                 to_institution=institution("FAC-HVH"), on=days_ago(20),
                                 ref="SF-MATRIX")
    temporary = services.temporary_return(stay, actor=None, left_on=days_ago(5),
                                          planned_return_on=days_ago(-5), reason="Time-out",
                                          decided_by="directeur")
    return {"temporary": temporary.pk}
