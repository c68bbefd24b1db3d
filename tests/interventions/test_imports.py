"""The KINDs `editions` and `enrolments` (INTERCHANGE §2.4): hand-computed results, replayable
workflow steps, idempotence, every error named, all or nothing, the user's scope, three doors."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from herstelpad.accounts.models import Role
from herstelpad.interventions import services
from herstelpad.interventions.models import Edition, Enrolment, EnrolmentStep
from tests.dossier import days_ago, make_participant
from tests.interventions.helpers import (
    EDITIONS_CSV,
    ENROLMENTS_CSV,
    enrol,
    import_csv,
    imported_data,
    make_edition,
)

pytestmark = pytest.mark.django_db
E_HEAD = "edition_ref,intervention,institution,starts_on,ends_on\n"
N_HEAD = "enrolment_ref,edition_ref,participant_ref,enrolled_on,outcome,outcome_on\n"


def errors(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]


def test_editions_and_enrolments_import_as_computed_by_hand():
    imported_data()
    assert Edition.objects.count() == 6
    ed1 = Edition.objects.get(ref="ED-1")
    assert (ed1.intervention.code, ed1.institution.code, str(ed1.starts_on),
            str(ed1.ends_on)) == ("puinruimen", "PI-ARNHEM", "2024-02-05", "2024-04-08")
    assert (ed1.capacity, ed1.sessions) == (10, 10)  # from the catalogue
    assert Edition.objects.get(ref="ED-2").ends_on is None
    got = {e.ref: (e.status, e.outcome, str(e.outcome_on or ""), e.participant.ref,
                   e.intervention.code, e.institution.code)
           for e in Enrolment.objects.select_related("participant", "intervention",
                                                     "institution")}
    assert got == {
        "EN-1": ("completed", "completed", "2024-04-08", "P1", "puinruimen", "PI-ARNHEM"),
        "EN-2": ("ended", "dropped_transfer", "2024-03-01", "P2", "puinruimen", "PI-ARNHEM"),
        "EN-3": ("ended", "not_started", "2024-02-05", "P3", "puinruimen", "PI-ARNHEM"),
        "EN-4": ("started", "", "", "P1", "puinruimen", "PI-ARNHEM"),
        "EN-5": ("completed", "completed", "2024-11-04", "P4", "puinruimen", "PI-ARNHEM"),
        "EN-6": ("completed", "completed", "2024-04-15", "P2", "aan-de-bak", "PI-ARNHEM"),
        "EN-7": ("ended", "expelled", "2024-03-20", "P3", "aan-de-bak", "PI-ARNHEM"),
        "EN-8": ("completed", "completed", "2025-03-17", "P5", "puinruimen", "PI-ARNHEM"),
        "EN-9": ("ended", "dropped_release", "2025-02-20", "P4", "sos-group", "PI-ALMELO"),
        "EN-10": ("ended", "not_started", "2025-06-02", "P5", "aan-de-bak", "PI-ZWOLLE"),
    }
    steps = {e.ref: [(s.action, s.to_status, str(s.on)) for s in e.steps.order_by("id")]
             for e in Enrolment.objects.filter(ref__in=["EN-1", "EN-3", "EN-4"])}
    assert steps == {
        "EN-1": [("register", "started", "2024-01-20"), ("complete", "completed", "2024-04-08")],
        "EN-3": [("register", "approved", "2024-01-22"),
                 ("end", "ended", "2024-02-05")],
        "EN-4": [("register", "started", "2024-08-20")],
    }
    for enrolment in Enrolment.objects.all():
        state = services.replayed_state(enrolment)
        assert (state.status, state.outcome, state.outcome_on, state.edition) == (
            enrolment.status, enrolment.outcome, enrolment.outcome_on, enrolment.edition_id)
    assert EnrolmentStep.objects.filter(source="import").count() == 19


def test_importing_the_same_files_twice_changes_nothing():
    imported_data()
    again = import_csv("editions", EDITIONS_CSV)
    assert again.counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 6}
    again = import_csv("enrolments", ENROLMENTS_CSV)
    assert again.counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 10}
    assert again.targets == {"steps": {"created": 0, "updated": 0, "unchanged": 0}}
    assert EnrolmentStep.objects.count() == 19


def test_an_outcome_arriving_later_adds_the_closing_step():
    imported_data()
    result = import_csv("enrolments", N_HEAD + "EN-4,ED-2,P1,2024-08-20,completed,2024-11-04\n")
    assert result.counts.as_dict() == {"created": 0, "updated": 1, "unchanged": 0}
    enrolment = Enrolment.objects.get(ref="EN-4")
    assert (enrolment.status, enrolment.version) == ("completed", 2)
    assert [s.action for s in enrolment.steps.order_by("id")] == ["register", "complete"]
    assert services.replayed_state(enrolment).status == "completed"


def test_dry_run_counts_and_writes_nothing():
    imported_data()
    result = import_csv("editions", E_HEAD + "ED-7,puinruimen,PI-ARNHEM,2026-01-05,\n"
                        "ED-1,puinruimen,PI-ARNHEM,2024-02-05,2024-04-15\n", dry_run=True)
    assert result.counts.as_dict() == {"created": 1, "updated": 1, "unchanged": 0}
    assert not Edition.objects.filter(ref="ED-7").exists()
    assert str(Edition.objects.get(ref="ED-1").ends_on) == "2024-04-08"


def test_every_error_is_named_and_nothing_is_written():
    imported_data()
    result = import_csv("enrolments", N_HEAD
                        + "EN-20,ED-99,P1,2024-01-01,,\n"            # unknown edition
                        + "EN-21,ED-1,P99,2024-01-01,,\n"            # unknown participant
                        + "EN-22,ED-1,P1,2024-01-01,completed,\n"    # outcome without date
                        + "EN-23,ED-1,P1,2024-01-01,,2024-02-01\n"   # date without outcome
                        + "EN-24,ED-1,P1,2024-03-01,completed,2024-02-01\n"
                        + "EN-25,ED-1,P1,2024-03-01,overleden,2024-04-01\n"
                        + "EN-26,ED-1,P1,2024-03-01,completed,2099-01-01\n"
                        + "EN-27,ED-1,P2,2024-01-01,,\n"
                        + "EN-27,ED-1,P2,2024-01-01,,\n"             # duplicate key
                        + "EN-1,ED-2,P1,2024-01-20,completed,2024-04-08\n"  # moves edition
                        + "EN-2,ED-1,P3,2024-01-20,dropped_transfer,2024-03-01\n"  # person
                        + "EN-5,ED-2,P4,2024-08-21,dropped_own_choice,2024-11-04\n")  # closed
    assert errors(result) == [
        (3, "outcome_on", "", "verplicht als outcome is ingevuld"),
        (4, "outcome_on", "2024-02-01", "hoort alleen bij een outcome"),
        (5, "outcome_on", "2024-02-01", "ligt voor enrolled_on"),
        (6, "outcome", "overleden", "onbekende code in enrolment_outcomes; toegestaan: "
         "completed, dropped_own_choice, dropped_release, dropped_transfer, expelled, "
         "not_started"),
        (7, "outcome_on", "2099-01-01", "ligt in de toekomst"),
        (9, "enrolment_ref", "EN-27", "deze sleutel staat al in rij 8 van dit bestand"),
        (1, "edition_ref", "ED-99", "onbekende editie; importeer de editie eerst (KIND "
         "editions)"),
        (2, "participant_ref", "P99", "onbekende deelnemer"),
        (10, "edition_ref", "ED-2", "deze deelname hoort bij een andere editie (of staat op de "
         "wachtlijst); een deelname verhuist niet"),
        (11, "participant_ref", "P3", "deze deelname is van een andere deelnemer"),
        (12, "outcome", "dropped_own_choice", "deze deelname is al afgesloten met uitkomst "
         "completed; een import verandert dat niet"),
    ]
    assert not result.written
    assert not Enrolment.objects.filter(ref__startswith="EN-2").exclude(
        ref__in=["EN-2"]).exists()
    assert Enrolment.objects.get(ref="EN-5").outcome == "completed"


def test_an_import_only_takes_steps_the_workflow_allows():
    referred = enrol(make_participant(ref="Q1", entered_days_ago=60),
                     make_edition(starts_days_ago=20), to="referred")
    started = enrol(make_participant(ref="Q2", entered_days_ago=60), referred.edition,
                    to="started")
    ed = referred.edition.ref
    bad = import_csv("enrolments", N_HEAD
                     + f"{referred.ref},{ed},Q1,{referred.enrolled_on},completed,{days_ago(1)}\n"
                     + f"{started.ref},{ed},Q2,{started.enrolled_on},not_started,{days_ago(1)}\n"
                     + f"{started.ref}X,{ed},Q2,{started.enrolled_on},,\n")
    reasons = {row: reason for row, _c, _v, reason in errors(bad)}
    assert reasons[1] == ("deze deelname is nog niet gestart (stand: referred); leg de "
                          "toelating en de start eerst vast")
    assert reasons[2] == "deze deelnemer is al begonnen; kies de reden van stoppen"
    assert 3 not in reasons
    early = import_csv("enrolments", N_HEAD + f"{started.ref},{ed},Q2,{started.enrolled_on},"
                       f"dropped_own_choice,{started.enrolled_on}\n")
    assert errors(early)[0][1:3] == ("outcome_on", str(started.enrolled_on))
    assert errors(early)[0][3].startswith("ligt voor de laatste vastgelegde stap")
    good = import_csv("enrolments", N_HEAD
                      + f"{referred.ref},{ed},Q1,{referred.enrolled_on},not_started,"
                        f"{days_ago(1)}\n"
                      + f"{started.ref},{ed},Q2,{started.enrolled_on},completed,{days_ago(1)}\n")
    assert good.ok and good.counts.updated == 2
    for enrolment in (referred, started):
        enrolment.refresh_from_db()
        state = services.replayed_state(enrolment)
        assert (state.status, state.outcome) == (enrolment.status, enrolment.outcome)
    assert (referred.status, started.status) == ("ended", "completed")


def test_edition_errors():
    imported_data()
    result = import_csv("editions", E_HEAD
                        + "ED-8,vliegen,PI-ARNHEM,2024-01-01,\n"
                        + "ED-9,puinruimen,PI-NERGENS,2024-01-01,\n"
                        + "ED-10,puinruimen,PI-ARNHEM,2024-05-01,2024-04-01\n"
                        + "ED-1,aan-de-bak,PI-ARNHEM,2024-02-05,2024-04-08\n")
    assert errors(result) == [
        (3, "ends_on", "2024-04-01", "ligt voor starts_on"),
        (1, "intervention", "vliegen", "onbekende interventie in de catalogus"),
        (2, "institution", "PI-NERGENS", "onbekende inrichting"),
        (4, "intervention", "aan-de-bak",
         "deze editie heeft al deelnemers; interventie en inrichting veranderen niet meer"),
    ]
    assert not Edition.objects.filter(ref__in=["ED-8", "ED-9", "ED-10"]).exists()


def test_imports_are_restricted_to_what_the_user_runs(make_user):
    imported_data()
    provider = make_user(Role.COURSE_PROVIDER, institutions=())  # Gevangenenzorg
    result = import_csv("editions", E_HEAD + "ED-11,puinruimen,PI-ARNHEM,2026-01-05,\n"
                        "ED-12,sos-group,PI-ARNHEM,2026-01-05,\n", user=provider)
    assert errors(result) == [(1, "intervention", "puinruimen",
                               "u mag geen gegevens importeren voor puinruimen")]
    consultant = make_user(Role.HERSTELCONSULENT)  # PI Arnhem
    result = import_csv("editions", E_HEAD + "ED-13,puinruimen,PI-ZWOLLE,2026-01-05,\n"
                        "ED-14,sos-group,PI-ARNHEM,2026-01-05,\n"
                        "ED-15,puinruimen,PI-ARNHEM,2026-01-05,\n", user=consultant)
    assert [(row, column) for row, column, _v, _r in errors(result)] == [
        (1, "institution"), (2, "intervention")]
    result = import_csv("enrolments", N_HEAD + "EN-30,ED-5,P1,2025-01-20,,\n",
                        user=consultant)  # SOS in Almelo: Gevangenenzorg's
    assert errors(result) == [(1, "edition_ref", "ED-5",
                               "u mag geen gegevens importeren voor ED-5")]
    result = import_csv("enrolments", N_HEAD + "EN-31,ED-5,P2,2025-01-20,,\n",
                        user=provider)
    assert result.ok and result.counts.created == 1


def test_the_three_doors(tmp_path, capsys, client, make_user):
    for n in range(1, 6):
        make_participant(ref=f"P{n}", entered_days_ago=900, sentence_days=2000)
    path = tmp_path / "editions.csv"
    path.write_text(EDITIONS_CSV, encoding="utf-8")
    call_command("import", "editions", str(path))
    assert Edition.objects.count() == 6
    bad = tmp_path / "bad.csv"
    bad.write_text(N_HEAD + "EN-1,ED-99,P1,2024-01-20,,\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import", "enrolments", str(bad))
    assert exc.value.returncode == 2 and "ED-99" in capsys.readouterr().err
    admin = make_user(Role.FUNCTIONAL_ADMIN, institutions=())
    token = Token.objects.create(user=admin)
    response = client.post("/api/imports/enrolments/", ENROLMENTS_CSV.encode(),
                           content_type="text/csv", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 10
    client.force_login(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post("/importeren/enrolments/", {"file": SimpleUploadedFile(
        "enrolments.csv", ENROLMENTS_CSV.encode(), content_type="text/csv")}, follow=True)
    assert page.status_code == 200
    assert "10 ongewijzigd" in page.content.decode()


def test_an_editions_import_does_not_take_over_an_edition_run_by_someone_else(make_user):
    provider = make_user(Role.COURSE_PROVIDER, institutions=())  # Gevangenenzorg
    assert import_csv("editions", E_HEAD + "ED-1,sos-group,PI-ARNHEM,2026-01-05,\n",
                      user=provider).ok
    consultant = make_user(Role.HERSTELCONSULENT)  # PI Arnhem, runs Puinruimen there
    result = import_csv("editions", E_HEAD + "ED-2,puinruimen,PI-ARNHEM,2026-02-02,\n"
                        "ED-1,puinruimen,PI-ARNHEM,2026-01-05,\n", user=consultant)
    assert errors(result) == [(2, "edition_ref", "ED-1", "deze editie bestaat al en wordt "
                               "door een ander beheerd; kies een ander editienummer")]
    assert not result.written
    assert Edition.objects.get(ref="ED-1").intervention.code == "sos-group"
    # Whoever runs the edition still changes it; an unrestricted import too.
    again = import_csv("editions", E_HEAD + "ED-1,sos-group,PI-ARNHEM,2026-01-12,\n",
                       user=provider)
    assert again.ok and again.counts.updated == 1
    assert import_csv("editions", E_HEAD + "ED-1,puinruimen,PI-ARNHEM,2026-01-12,\n").ok
    assert Edition.objects.get(ref="ED-1").intervention.code == "puinruimen"


def test_an_import_keeps_the_dates_of_existing_enrolments_in_line_with_their_steps():
    imported_data()
    result = import_csv("enrolments", N_HEAD
                        + "EN-1,ED-1,P1,2024-01-20,completed,2024-04-01\n"   # closed: outcome_on
                        + "EN-3,ED-1,P3,2024-01-10,not_started,2024-02-05\n"  # closed: enrolled
                        + "EN-4,ED-2,P1,2024-09-01,,\n")  # running: past its register step
    assert errors(result) == [
        (1, "outcome_on", "2024-04-01", "deze deelname is al afgesloten; een import verandert "
         "de datum van de uitkomst (2024-04-08) niet"),
        (2, "enrolled_on", "2024-01-10", "deze deelname is al afgesloten; een import verandert "
         "de aanmelddatum (2024-01-22) niet"),
        (3, "enrolled_on", "2024-09-01", "ligt na de eerste vastgelegde stap (2024-08-20)"),
    ]
    assert not result.written
    for enrolment in Enrolment.objects.all():
        state = services.replayed_state(enrolment)
        assert (state.status, state.outcome, state.outcome_on) == (
            enrolment.status, enrolment.outcome, enrolment.outcome_on)
    # A running enrolment's registration date may still move earlier.
    earlier = import_csv("enrolments", N_HEAD + "EN-4,ED-2,P1,2024-08-18,,\n")
    assert earlier.ok and earlier.counts.updated == 1
