"""Facility configuration as data: the reference configuration, capacity and criterion versions
through the services (permission, validation, audit) and the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.facilities import services
from herstelpad.facilities.models import CapacityPeriod, CriterionSet, FacilityProfile
from tests.dossier import institution

pytestmark = pytest.mark.django_db


def test_reference_configuration_is_loaded():
    hvh = institution("FAC-HVH")
    assert [(p.effective_from, p.places) for p in services.capacity_history(hvh)] == [
        (dt.date(2021, 1, 1), 29), (dt.date(2021, 2, 1), 20), (dt.date(2022, 3, 1), 29)]
    assert services.capacity_on(hvh, dt.date(2021, 6, 30)) == 20
    assert services.capacity_on(hvh, dt.date(2020, 12, 31)) is None
    assert [s.code for s in services.route_of(hvh)] == [
        "screening", "motivation_letter", "file_review", "weegtafel", "selection_advice",
        "diz_decision"]
    assert [s.code for s in services.route_of(institution("FAC-MIDDELBURG"))] == [
        "prescan", "call_letter", "screening", "placement_proposal", "directorate_decision"]
    assert services.route_of(institution("FAC-COMPAGNIE"))[-1].decider == "diz"
    profile = FacilityProfile.objects.get(institution=hvh)
    assert profile.municipalities.count() == 14 and profile.legal_frame == "bba"
    v2021 = services.criterion_set_on(hvh, dt.date(2021, 1, 1))
    kinds = [(c.kind, c.hard) for c in v2021.criteria.all()]
    assert kinds[:4] == [("sex", True), ("orders", True), ("remaining_sentence", True),
                         ("region", True)]
    assert services.criterion_set_on(hvh, dt.date(2020, 12, 31)) is None
    compagnie = institution("FAC-COMPAGNIE")
    remaining = [c.params for s in CriterionSet.objects.filter(facility=compagnie)
                 for c in s.criteria.all() if c.kind == "remaining_sentence"]
    assert remaining == [{"min_days": 91, "max_days": 1096}, {"min_days": 183, "max_days": 731}]
    middelburg_hours = services.criterion_set_on(institution("FAC-MIDDELBURG"),
                                                 dt.date(2024, 1, 1)).criteria.get(
        kind="work_hours")
    assert middelburg_hours.hard and middelburg_hours.params == {"min_hours": 24}


def test_set_capacity_needs_permission_validates_and_is_audited(make_user):
    hvh = institution("FAC-HVH")
    head = make_user("unit_head", institutions=("PI-ALMELO",))
    other = make_user("unit_head", institutions=("PI-ARNHEM",))
    with pytest.raises(PermissionDenied):
        services.set_capacity(hvh, actor=other, effective_from=dt.date(2025, 1, 1),
                              places={"regular": 25})
    with pytest.raises(ValidationError) as excinfo:
        services.set_capacity(hvh, actor=head, effective_from=dt.date(2025, 1, 1),
                              places={"suite": 2})
    assert "places" in excinfo.value.message_dict
    period = services.set_capacity(hvh, actor=head, effective_from=dt.date(2025, 1, 1),
                                   places={"regular": 25, "flex": 4}, reason="Uitbreiding")
    assert period.places == 29 and period.lines.count() == 2
    assert services.capacity_on(hvh, dt.date(2025, 6, 1)) == 29
    assert AuditEntry.objects.filter(object_type__icontains="capacity").exists()


def test_a_criterion_version_date_is_unique(make_user):
    hvh = institution("FAC-HVH")
    with pytest.raises(ValidationError):
        services.add_criterion_set(hvh, actor=None, effective_from=dt.date(2021, 1, 1),
                                   criteria=[{"kind": "sex", "params": {"allowed": ["male"]}}])
    with pytest.raises(ValidationError):
        services.add_criterion_set(hvh, actor=None, effective_from=dt.date(2023, 1, 1),
                                   criteria=[{"kind": "astrology"}])
    casemanager = make_user("casemanager", institutions=("FAC-HVH",))
    with pytest.raises(PermissionDenied):
        services.add_criterion_set(hvh, actor=casemanager, effective_from=dt.date(2023, 1, 1),
                                   criteria=[{"kind": "sex", "params": {"allowed": ["male"]}}])


@pytest.mark.parametrize("model", ["capacityperiod", "criterionset", "routestep",
                                   "facilityprofile"])
def test_configuration_in_the_admin(role_client, model):
    admin = role_client(Role.FUNCTIONAL_ADMIN)
    assert admin.get(f"/beheer/facilities/{model}/").status_code == 200


def test_admin_capacity_change_is_audited(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    period = CapacityPeriod.objects.filter(facility__code="FAC-MIDDELBURG").first()
    url = f"/beheer/facilities/capacityperiod/{period.pk}/change/"
    response = client.post(url, {
        "facility": period.facility_id, "effective_from": "2020-03-01", "places": 12,
        "reason": "Twee extra kamers", "lines-TOTAL_FORMS": 0, "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0, "lines-MAX_NUM_FORMS": 1000})
    assert response.status_code == 302, response.content.decode()[:3000]
    period.refresh_from_db()
    assert period.places == 12
    assert AuditEntry.objects.filter(action="update", object_id=str(period.pk)).exists()


def test_admin_is_refused_to_other_roles(role_client):
    assert role_client(Role.UNIT_HEAD).get("/beheer/facilities/capacityperiod/").status_code \
        in (302, 403)
