"""Load the reference data the product ships (`reference/data/`) into the database.

Run after every `herstelpad migrate` (a post_migrate handler, see `reference/apps.py`), so an
empty database gets all of it and a second run changes nothing. Loading is an upsert by code: it
adds what is missing and never overwrites what a functional administrator has since edited.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"

# Files that hold entities with their own tables rather than plain code lists.
ENTITY_FILES = {"institutions", "organisations", "municipalities_twente"}

CODE_LIST_LABELS = {
    "basic_conditions": ("Basisvoorwaarden", "Basic conditions"),
    "domains": ("Leefgebieden", "Life domains"),
    "enrolment_outcomes": ("Uitkomsten van deelname", "Enrolment outcomes"),
    "exclusion_reasons": ("Redenen van uitsluiting", "Exclusion reasons"),
    "institution_types": ("Soorten inrichtingen", "Institution types"),
    "legal_statuses": ("Titels van detentie", "Legal statuses"),
    "mediation_channels": ("Kanalen van aanmelding", "Mediation channels"),
    "mediation_contact_forms": ("Vormen van contact", "Mediation contact forms"),
    "mediation_stop_reasons": ("Redenen van stoppen", "Mediation stop reasons"),
    "offence_categories": ("Delictcategorieën", "Offence categories"),
    "outflow_types": ("Soorten uitstroom", "Outflow types"),
    "regimes": ("Regimes", "Regimes"),
    "reporting_levels": ("Niveaus van terugkoppeling", "Reporting levels"),
    "restoration_layers": ("Herstellagen", "Restoration layers"),
    "return_reasons": ("Redenen van terugplaatsing", "Return reasons"),
}

# Organisations the platform needs besides those in organisations.csv.
EXTRA_ORGANISATIONS = [
    ("DJI", "prison_service", "Dienst Justitiële Inrichtingen",
     "the prison service: staff of PIs, JJIs and facilities"),
    ("HERSTELPAD", "platform", "Beheer Herstelpad",
     "functional administration and audit of the platform"),
    ("WODC", "research", "Wetenschappelijk Onderzoek- en Datacentrum",
     "research into restorative detention"),
]


def load_all(apps, using: str = "default") -> None:
    from django.db import transaction

    with transaction.atomic(using=using):
        load_code_lists(apps)
        load_organisations(apps)
        load_catalogue(apps)


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / f"{name}.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def code_list_names() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.csv") if p.stem not in ENTITY_FILES)


def load_code_lists(apps) -> None:
    CodeList = apps.get_model("reference", "CodeList")
    Code = apps.get_model("reference", "Code")
    for name in code_list_names():
        label_nl, label_en = CODE_LIST_LABELS.get(name, (name, name))
        code_list, _ = CodeList.objects.get_or_create(
            name=name, defaults={"label_nl": label_nl, "label_en": label_en}
        )
        for index, row in enumerate(read_csv(name), start=1):
            extra = {k: v for k, v in row.items() if k not in {"code", "label_nl", "label_en",
                                                              "order"}}
            position = int(row["order"]) if row.get("order") else index
            Code.objects.get_or_create(
                code_list=code_list, code=row["code"],
                defaults={"label_nl": row["label_nl"], "label_en": row.get("label_en", ""),
                          "position": position, "attributes": extra},
            )


def load_organisations(apps) -> None:
    Organisation = apps.get_model("organisations", "Organisation")
    Municipality = apps.get_model("organisations", "Municipality")
    Institution = apps.get_model("organisations", "Institution")

    for row in read_csv("organisations"):
        Organisation.objects.get_or_create(
            code=row["code"],
            defaults={"type": row["type"], "name": row["name"], "notes": row.get("notes", "")},
        )
    for code, type_, name, notes in EXTRA_ORGANISATIONS:
        Organisation.objects.get_or_create(
            code=code, defaults={"type": type_, "name": name, "notes": notes}
        )
    for row in read_csv("municipalities_twente"):
        municipality, _ = Municipality.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "region": "twente"}
        )
        Organisation.objects.get_or_create(
            code=f"GEM-{row['code'].upper()}",
            defaults={"type": "municipality", "name": f"Gemeente {row['name']}",
                      "municipality": municipality},
        )
    rows = read_csv("institutions")
    for row in rows:
        Institution.objects.get_or_create(
            code=row["code"],
            defaults={"type": row["type"], "name": row["name"],
                      "places": int(row["places"]) if row["places"] else None,
                      "notes": row.get("notes", "")},
        )
    for row in rows:
        if row["parent"]:
            Institution.objects.filter(code=row["code"], parent__isnull=True).update(
                parent=Institution.objects.get(code=row["parent"])
            )


def read_catalogue() -> list[dict]:
    with open(DATA_DIR / "interventions.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _age(target_age) -> tuple[str, int | None, int | None]:
    value = str(target_age)
    if value in {"adults", "juveniles", "both"}:
        return value, None, None
    low, high = value.split("-")
    return "band", int(low), int(high)


def load_catalogue(apps) -> None:
    Intervention = apps.get_model("interventions", "Intervention")
    Availability = apps.get_model("interventions", "Availability")
    Organisation = apps.get_model("organisations", "Organisation")
    Institution = apps.get_model("organisations", "Institution")
    Code = apps.get_model("reference", "Code")

    layers = {c.code: c for c in Code.objects.filter(code_list__name="restoration_layers")}
    levels = {c.code: c for c in Code.objects.filter(code_list__name="reporting_levels")}
    organisations = {o.code: o for o in Organisation.objects.all()}
    institutions = {i.code: i for i in Institution.objects.all()}

    for item in read_catalogue():
        if Intervention.objects.filter(code=item["code"]).exists():
            continue
        provider = item.get("provider", "other")
        if provider in organisations:
            provider_kind, organisation = "organisation", organisations[provider]
        else:
            provider_kind, organisation = provider, None
        target = item.get("target", {})
        age, age_min, age_max = _age(target.get("age", "adults"))
        group = item.get("group_size") or [None, None]
        intervention = Intervention.objects.create(
            code=item["code"], name=item["name"], provider_kind=provider_kind,
            provider=organisation, target_age=age, age_min=age_min, age_max=age_max,
            target_sex=target.get("sex", "any"), format=item["format"],
            sessions=item.get("sessions"), session_hours=item.get("session_hours"),
            duration_weeks=item.get("duration_weeks"), group_min=group[0], group_max=group[1],
            min_remaining_weeks=item.get("min_remaining_weeks"),
            requires=item.get("requires", []), excludes=item.get("excludes", []),
            themes=item.get("themes", []), reporting_level=levels[item["reporting_level"]],
            notes=item.get("notes", ""), source=item.get("source", ""),
        )
        intervention.layers.set([layers[code] for code in item.get("layers", [])])
        for code, status in (item.get("institutions") or {}).items():
            Availability.objects.create(
                intervention=intervention, institution=institutions[code], status=status
            )
