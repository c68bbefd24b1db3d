"""Shared test data for the facilities tests and the access matrix."""

from __future__ import annotations

import datetime as dt

from herstelpad.facilities import services
from herstelpad.organisations.models import Institution


def make_matrix_candidate() -> dict:
    """K-MATRIX: a candidate for Huis van Herstel from Almelo (the aftercare coordinators'
    default municipality), advanced to the DIZ decision (so the selection officer sees it)."""
    today = services.today()
    candidate = services.register_candidate(
        actor=None, facility=Institution.objects.get(code="FAC-HVH"), source="municipality",
        list_date=today - dt.timedelta(days=30), ref="K-MATRIX", sex="male",
        sentence_end_on=today + dt.timedelta(days=200), municipality="Almelo")
    for i in range(5):
        candidate = services.decide(candidate, actor=None, expected_version=candidate.version,
                                    decision="positive",
                                    on=today - dt.timedelta(days=25 - i), reason="Voldoet.")
    return {"candidate": candidate.ref}
