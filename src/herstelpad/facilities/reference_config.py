"""The reference configuration of the facilities, as data: profiles, capacity history, inflow
routes and eligibility criteria of Huis van Herstel, De Compagnie and KV Middelburg.

Sources: BRIEF §6, INTERCHANGE §2.5 (the FAC-HVH criteria valid from 2021-01-01), seed 003
(Huis van Herstel, ch. 1, 7 and 10) and seed 004 (ch. 2.3–2.4, 3.1, 3.3–3.4). Where the
sources give no date, the date chosen is written next to it.

`load(apps)` runs from migration 0002 and after every migrate (post_migrate, like the code
lists): it adds what is missing, by natural key, and never changes what an administrator
changed. It makes sure the facility institutions exist first (the reference loader is
idempotent), because on a fresh database the code lists are loaded only after all migrations.
"""

from __future__ import annotations

import datetime as dt

D = dt.date

ORDERS = ["life_sentence", "isd", "tbs", "clinic", "immediate_release", "pp"]

ZEELAND = [
    ("middelburg", "Middelburg"), ("vlissingen", "Vlissingen"), ("veere", "Veere"),
    ("goes", "Goes"), ("borsele", "Borsele"), ("kapelle", "Kapelle"),
    ("reimerswaal", "Reimerswaal"), ("noord_beveland", "Noord-Beveland"),
    ("schouwen_duiveland", "Schouwen-Duiveland"), ("tholen", "Tholen"),
    ("terneuzen", "Terneuzen"), ("hulst", "Hulst"), ("sluis", "Sluis"),
]
WEST_BRABANT = [
    ("bergen_op_zoom", "Bergen op Zoom"), ("roosendaal", "Roosendaal"),
    ("woensdrecht", "Woensdrecht"), ("steenbergen", "Steenbergen"),
    ("halderberge", "Halderberge"), ("rucphen", "Rucphen"), ("etten_leur", "Etten-Leur"),
    ("moerdijk", "Moerdijk"), ("breda", "Breda"), ("zundert", "Zundert"),
]
TWENTE = ["almelo", "borne", "dinkelland", "enschede", "haaksbergen", "hellendoorn", "hengelo",
          "hof_van_twente", "losser", "oldenzaal", "rijssen_holten", "tubbergen", "twenterand",
          "wierden"]

# code -> profile, capacity, route, criterion versions
FACILITIES = {
    "FAC-HVH": {
        "legal_frame": "bba",
        "legal_frame_note": "Opened as ZBBI (January 2021); experimental BBA since the Wet "
                            "Straffen en Beschermen (1 July 2021).",
        "region_label": "Twente",
        "municipalities": TWENTE,
        # 29 places; reduced by a third to 20 because of the COVID measures in the start
        # phase (seed 004 §3.1: "van 29 naar 20 plaatsen"). The sources give no dates: we take
        # the first inflow (February 2021) for the reduction and the end of the Dutch COVID
        # measures (March 2022) for the return to 29.
        "capacity": [
            (D(2021, 1, 1), 29, {"regular": 29}, "Opening"),
            (D(2021, 2, 1), 20, {"regular": 20}, "Coronamaatregelen: een derde minder plaatsen"),
            (D(2022, 3, 1), 29, {"regular": 29}, "Einde coronamaatregelen"),
        ],
        "route": [
            ("screening", "Screening", "screening", "facility"),
            ("motivation_letter", "Motivatiebrief", "letter", "facility"),
            ("file_review", "Dossieronderzoek", "review", "facility"),
            ("weegtafel", "Weegtafel", "meeting", "mdo"),
            ("selection_advice", "Selectieadvies", "advice", "pi_casemanager"),
            ("diz_decision", "Besluit DIZ", "decision", "diz"),
        ],
        "criteria": [
            (D(2021, 1, 1), "Referentiecriteria (INTERCHANGE §2.5)", [
                ("sex", {"allowed": ["male"]}, True, "Mannen"),
                ("orders", {"excluded": ORDERS}, True,
                 "Geen levenslang, ISD, TBS, kliniek, onmiddellijke invrijheidsstelling of PP"),
                ("remaining_sentence", {"min_days": 60, "max_days": 548}, True,
                 "Laatste 18 maanden van de detentie, ten minste 2 maanden"),
                ("region", {"served": True}, True,
                 "Afkomstig uit of vrij naar een van de 14 Twentse gemeenten"),
                ("judged", {}, False, "Problemen op twee of meer leefgebieden"),
                ("judged", {}, False, "Gemotiveerd om aan herstel en re-integratie te werken"),
            ]),
        ],
    },
    "FAC-COMPAGNIE": {
        "legal_frame": "zbbi",
        "legal_frame_note": "DC II on ZBBI places (January 2019 – May 2020); since May 2020 DC "
                            "IIa, a closed ward.",
        "region_label": "Rijnmond",
        "municipalities": [],
        # Seed 004 §3.3: 16 ZBBI places (DC II) + 14 closed places (DC I) on one ward; from
        # May 2020 the ZBBI places closed and the closed places grew to 28.
        "capacity": [
            (D(2019, 1, 1), 30, {"zbbi": 16, "closed": 14}, "Opening De Compagnie II"),
            (D(2020, 5, 1), 28, {"closed": 28}, "De Compagnie IIa: ZBBI-plaatsen gesloten"),
        ],
        # Seed 004 §2.3/§3.3: candidates come from DC I and PI casemanagers; the Compagnie
        # team and Gevangenenzorg hold an intake, the MDO weighs, and placement on ZBBI places
        # is a selection decision (DIZ).
        "route": [
            ("screening", "Screening", "screening", "facility"),
            ("intake", "Intakegesprek", "intake", "facility"),
            ("mdo", "MDO", "meeting", "mdo"),
            ("selection_advice", "Selectieadvies", "advice", "pi_casemanager"),
            ("diz_decision", "Besluit DIZ", "decision", "diz"),
        ],
        "criteria": [
            (D(2019, 1, 1), "Toelatingscriteria De Compagnie II (projectplan)", [
                ("sex", {"allowed": ["male"]}, True, "Mannen"),
                ("remaining_sentence", {"min_days": 91, "max_days": 1096}, True,
                 "Strafrestant van 3 tot 36 maanden"),
                ("regime", {"allowed": ["plus"]}, False, "Gepromoveerd naar het plusprogramma"),
                ("language", {"min_dutch": "sufficient"}, False,
                 "Voldoende beheersing van de Nederlandse taal"),
                ("offence", {"excluded": ["sexual"]}, True,
                 "Niet gedetineerd voor een zedendelict"),
                ("judged", {}, False,
                 "Nazorggemeente minder dan 100 km van Krimpen aan den IJssel"),
                ("judged", {}, False, "Groepsgeschikt en gemotiveerd; arbeidsgeschikt"),
                ("judged", {}, False, "Laatste urinecontrole schoon"),
            ]),
            # The sources give no date for the narrowing; we take the start of DC IIa.
            (D(2020, 5, 1), "Strafrestant 6 tot 24 maanden; 100 km-eis losgelaten", [
                ("sex", {"allowed": ["male"]}, True, "Mannen"),
                ("remaining_sentence", {"min_days": 183, "max_days": 731}, True,
                 "Strafrestant van 6 tot 24 maanden"),
                ("regime", {"allowed": ["plus"]}, False, "Gepromoveerd naar het plusprogramma"),
                ("language", {"min_dutch": "sufficient"}, False,
                 "Voldoende beheersing van de Nederlandse taal"),
                ("offence", {"excluded": ["sexual"]}, True,
                 "Niet gedetineerd voor een zedendelict"),
                ("judged", {}, False, "Groepsgeschikt en gemotiveerd; arbeidsgeschikt"),
                ("judged", {}, False, "Laatste urinecontrole schoon"),
            ]),
        ],
    },
    "FAC-MIDDELBURG": {
        "legal_frame": "tvi",
        "legal_frame_note": "Self-reporters; work outside on the title 'Tijdelijk Verlaten "
                            "Inrichting', as in a ZBBI.",
        "region_label": "Zeeland en West-Brabant (regio Zuidwest)",
        "municipalities": [code for code, _name in ZEELAND + WEST_BRABANT],
        # Seed 004 §2.4/§3.4: ten places; opened March 2020.
        "capacity": [
            (D(2020, 3, 1), 10, {"regular": 10}, "Opening"),
        ],
        "route": [
            ("prescan", "Voorscan ketenpartners", "prescan", "facility"),
            ("call_letter", "Oproepbrief", "letter", "facility"),
            ("screening", "Screening en intake", "screening", "facility"),
            ("placement_proposal", "Plaatsingsvoorstel", "advice", "facility"),
            ("directorate_decision", "Besluit directie", "decision", "directorate"),
        ],
        "criteria": [
            (D(2020, 3, 1), "Toelatingscriteria KV Middelburg (projectplan)", [
                ("work_hours", {"min_hours": 24}, True,
                 "Structurele, controleerbare dagbesteding van ten minste 24 uur per week"),
                ("region", {"served": True}, False, "Woonachtig in Zeeland of West-Brabant"),
                ("remaining_sentence", {"min_days": 14, "max_days": 183}, False,
                 "Uit te zitten straf van 2 weken tot 6 maanden"),
                ("judged", {}, False, "Groepsgeschikt; geen middelengebruik"),
                ("judged", {}, False, "Geen risicovolle onderlinge relaties in de KV"),
                ("judged", {}, False, "Geen aanleiding voor maatschappelijke onrust bij verlof"),
            ]),
        ],
    },
}


def load(apps) -> None:
    from herstelpad.reference import loaders

    Institution = apps.get_model("organisations", "Institution")
    Municipality = apps.get_model("organisations", "Municipality")
    if not Institution.objects.filter(code__in=FACILITIES).exists():
        loaders.load_organisations(apps)
    for code, name in ZEELAND:
        Municipality.objects.get_or_create(code=code, defaults={"name": name,
                                                                "region": "zeeland"})
    for code, name in WEST_BRABANT:
        Municipality.objects.get_or_create(code=code, defaults={"name": name,
                                                                "region": "west_brabant"})
    Profile = apps.get_model("facilities", "FacilityProfile")
    Period = apps.get_model("facilities", "CapacityPeriod")
    Places = apps.get_model("facilities", "CapacityPlaces")
    Step = apps.get_model("facilities", "RouteStep")
    Set = apps.get_model("facilities", "CriterionSet")
    Criterion = apps.get_model("facilities", "Criterion")
    for code, config in FACILITIES.items():
        facility = Institution.objects.filter(code=code).first()
        if facility is None:
            continue
        profile, created = Profile.objects.get_or_create(
            institution=facility,
            defaults={"legal_frame": config["legal_frame"],
                      "legal_frame_note": config["legal_frame_note"],
                      "region_label": config["region_label"]})
        if created:
            profile.municipalities.set(
                Municipality.objects.filter(code__in=config["municipalities"]))
        if not Period.objects.filter(facility=facility).exists():
            for effective_from, places, lines, reason in config["capacity"]:
                period = Period.objects.create(facility=facility, effective_from=effective_from,
                                               places=places, reason=reason)
                for place_type, n in lines.items():
                    Places.objects.create(period=period, place_type=place_type, places=n)
        if not Step.objects.filter(facility=facility).exists():
            for order, (step_code, name, kind, decider) in enumerate(config["route"], 1):
                Step.objects.create(facility=facility, order=order, code=step_code, name=name,
                                    kind=kind, decider=decider)
        for effective_from, note, criteria in config["criteria"]:
            criterion_set, created = Set.objects.get_or_create(
                facility=facility, effective_from=effective_from, defaults={"note": note})
            if created:
                for order, (kind, params, hard, description) in enumerate(criteria, 1):
                    Criterion.objects.create(criterion_set=criterion_set, order=order, kind=kind,
                                             params=params, hard=hard, description=description)
