"""`herstelpad migrate` loads the reference data the product ships; a second run changes
nothing."""

from __future__ import annotations

import csv

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command

from herstelpad.interventions.models import Availability, Intervention
from herstelpad.organisations.models import Institution, Municipality, Organisation
from herstelpad.reference import loaders
from herstelpad.reference.models import Code, CodeList

pytestmark = pytest.mark.django_db


def rows(name):
    with open(loaders.DATA_DIR / f"{name}.csv", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_every_code_list_is_loaded_with_its_codes_in_order():
    names = loaders.code_list_names()
    assert len(names) == 15
    assert set(CodeList.objects.values_list("name", flat=True)) == set(names)
    for name in names:
        expected = [r["code"] for r in rows(name)]
        if "order" in rows(name)[0]:
            expected = [r["code"] for r in sorted(rows(name), key=lambda r: int(r["order"]))]
        assert list(Code.objects.of(name).order_by("position").values_list("code", flat=True)) \
            == expected, name


def test_code_labels_and_attributes():
    housing = Code.objects.of("domains").get(code="housing")
    assert (housing.label_nl, housing.label_en) == ("Huisvesting", "Housing")
    assert housing.attributes["basic_condition"] == "housing"
    positive = Code.objects.of("outflow_types").get(code="positive_pp")
    assert positive.attributes["positive"] == "yes"


def test_label_follows_the_active_language():
    from django.utils import translation

    code = Code.objects.of("regimes").get(code="plus")
    with translation.override("nl"):
        assert code.label == "Plusprogramma"
    with translation.override("en"):
        assert code.label == "Plus programme"


def test_institutions_with_type_parent_and_places():
    assert Institution.objects.count() == 35
    assert Institution.objects.filter(type="pi").count() == 23
    assert Institution.objects.filter(type="jji").count() == 5
    assert Institution.objects.filter(type="facility").count() == 7
    hvh = Institution.objects.get(code="FAC-HVH")
    assert hvh.parent.code == "PI-ALMELO" and hvh.places == 29 and hvh.is_facility
    assert Institution.objects.get(code="PI-ARNHEM").parent is None


def test_organisations_and_municipalities():
    for row in rows("organisations"):
        org = Organisation.objects.get(code=row["code"])
        assert (org.type, org.name) == (row["type"], row["name"])
    assert Municipality.objects.filter(region="twente").count() == 14
    almelo = Organisation.objects.get(code="GEM-ALMELO")
    assert almelo.type == "municipality" and almelo.municipality.name == "Almelo"
    assert Organisation.objects.get(code="DJI").type == "prison_service"


def test_catalogue_has_31_interventions():
    assert Intervention.objects.count() == 31
    sos = Intervention.objects.get(code="sos-group")
    assert sos.provider.code == "GEVANGENENZORG"
    assert sos.min_remaining_weeks == 8 and (sos.group_min, sos.group_max) == (4, 12)
    assert sorted(sos.layers.values_list("code", flat=True)) == ["network", "self", "victim"]
    assert sos.reporting_level.code == "process"
    assert sos.excludes == ["sexual"] and sos.requires == ["dutch"]
    forsa = Intervention.objects.get(code="forsa")
    assert (forsa.target_age, forsa.age_min, forsa.age_max) == ("band", 17, 27)
    assert Intervention.objects.get(code="puinruimen").provider_kind == "institution"
    arnhem = set(Availability.objects.filter(institution__code="PI-ARNHEM")
                 .values_list("intervention__code", flat=True))
    assert {"puinruimen", "aan-de-bak", "herstelbemiddeling"} <= arnhem
    assert Availability.objects.get(intervention__code="puinruimen",
                                    institution__code="PI-LEEUWARDEN").status == "stopped"


def snapshot():
    return {
        model._meta.label: sorted(model.objects.values_list("pk", flat=True))
        for model in (CodeList, Code, Institution, Organisation, Municipality, Intervention,
                      Availability)
    } | {"codes": sorted(Code.objects.values_list("code_list__name", "code", "label_nl"))}


def test_migrate_twice_changes_nothing():
    before = snapshot()
    call_command("migrate", verbosity=0)
    assert snapshot() == before


def test_loaders_are_idempotent_and_keep_admin_edits():
    code = Code.objects.of("regimes").get(code="plus")
    code.label_nl = "Plusprogramma (aangepast)"
    code.save()
    before = snapshot()
    loaders.load_code_lists(global_apps)
    loaders.load_organisations(global_apps)
    loaders.load_catalogue(global_apps)
    assert snapshot() == before
    assert Code.objects.of("regimes").get(code="plus").label_nl == "Plusprogramma (aangepast)"


def test_loaders_add_what_is_missing():
    Code.objects.of("regimes").filter(code="plus").delete()
    loaders.load_code_lists(global_apps)
    assert Code.objects.of("regimes").filter(code="plus").exists()
