"""The `stays` and `goals` KINDs (INTERCHANGE §2.1–§2.2) and the `goal-domains` report (§3.10),
with hand-computed expectations."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from rest_framework.authtoken.models import Token

from herstelpad.imports import services as imports
from herstelpad.participants.models import Episode, Participant, Stay
from herstelpad.plans.models import Goal, GoalStatusChange

pytestmark = pytest.mark.django_db

STAYS = """participant_ref,stay_ref,institution,entered_on,left_on,legal_status,sex,birth_year,sentence_end_on,outflow_type,return_reason,aftercare_municipality
P1,S1,PI-ARNHEM,2024-01-10,2024-06-01,convicted,male,1990,2024-12-01,transferred,,
P1,S2,PI-ALMELO,2024-06-01,,convicted,male,1990,2024-12-01,,,Enschede
P2,S3,PI-ARNHEM,2023-02-01,2023-05-01,remand,male,1985,,,,
P2,S4,PI-ARNHEM,2024-03-01,,convicted,,1985,2025-03-01,,,
P3,S5,PI-ALMELO,2024-02-01,,convicted,female,2000,2025-01-01,,,
P4,S6,FAC-HVH,2023-01-01,2023-09-01,convicted,male,1979,,positive_end,,almelo
"""
GOALS = """goal_ref,participant_ref,domain,set_on,status,closed_on,rating,description
G1,P1,housing,2024-02-01,achieved,2024-08-01,4,Een eigen kamer in Arnhem
G2,P1,debts,2024-02-01,open,,,
G3,P2,housing,2023-03-01,not_achieved,2023-05-01,2,
G4,P2,housing,2024-04-01,open,,,
G5,P3,work_daytime,2024-03-01,partially_achieved,2024-10-01,3,
G6,P4,housing,2023-02-01,achieved,2023-08-01,5,
G7,P4,identity,2023-02-01,withdrawn,2023-03-01,,
"""
HEADER = "domain,goals,participants,achieved,partially_achieved,not_achieved,open"
DOMAINS = ["identity", "housing", "work_daytime", "income", "education", "debts", "care",
           "substance_treatment", "gambling_treatment", "psych_treatment", "partner_children",
           "family", "social_network", "restoration_self", "restoration_victim",
           "restoration_society", "other"]


def run(kind: str, text: str, **kwargs):
    with translation.override("en"):
        result, _run = imports.import_file(kind, io.BytesIO(text.encode()), channel="cli",
                                           **kwargs)
    return result


def expected_csv(figures: dict[str, tuple]) -> str:
    lines = [HEADER]
    for code in DOMAINS:
        values = figures.get(code, (0, 0, 0, 0, 0, 0))
        lines.append(",".join([code, *map(str, values)]))
    return "\n".join(lines) + "\n"


def report(*args) -> str:
    out = io.StringIO()
    call_command("report", "goal-domains", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def imported(db):
    stays = run("stays", STAYS)
    assert stays.ok, [str(e) for e in stays.errors]
    goals = run("goals", GOALS)
    assert goals.ok, [str(e) for e in goals.errors]
    return stays, goals


# --- stays ----------------------------------------------------------------------------------------

def test_stays_create_participants_stays_and_episodes(imported):
    stays, _goals = imported
    assert stays.counts.as_dict() == {"created": 6, "updated": 0, "unchanged": 0}
    assert stays.targets["participants"] == {"created": 4, "updated": 0, "unchanged": 0}
    p1 = Participant.objects.get(ref="P1")
    assert (p1.sex, p1.birth_year) == ("male", 1990)
    # A transfer (leaving and entering on the same day) continues the episode ...
    assert list(Episode.objects.filter(participant=p1).values_list("number", "started_on",
                                                                   "ended_on")) == \
        [(1, __import__("datetime").date(2024, 1, 10), None)]
    assert p1.current_stay.ref == "S2"
    assert p1.current_stay.municipality.code == "enschede"
    # ... a re-admission after release starts a new one.
    p2 = Participant.objects.get(ref="P2")
    assert Episode.objects.filter(participant=p2).count() == 2
    assert p2.current_episode.number == 2 and p2.current_stay.ref == "S4"
    assert Participant.objects.get(ref="P4").current_stay is None
    assert Stay.objects.get(ref="S6").municipality.code == "almelo"


def test_stays_twice_is_unchanged_and_a_change_is_an_update(imported):
    again = run("stays", STAYS)
    assert again.counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 6}
    assert again.targets["participants"]["unchanged"] == 4
    changed = run("stays", STAYS.replace("P3,S5,PI-ALMELO,2024-02-01,,", "P3,S5,PI-ALMELO,"
                                         "2024-02-01,2024-11-01,"))
    assert changed.counts.as_dict() == {"created": 0, "updated": 1, "unchanged": 5}
    stay = Stay.objects.get(ref="S5")
    assert (str(stay.left_on), stay.version) == ("2024-11-01", 2)
    assert Participant.objects.get(ref="P3").current_stay is None


def test_an_empty_cell_keeps_what_is_known(imported):
    Participant.objects.filter(ref="P3").update(given_name="Fatma")
    text = STAYS.replace("P3,S5,PI-ALMELO,2024-02-01,,convicted,female,2000",
                         "P3,S5,PI-ALMELO,2024-02-01,,convicted,,")
    result = run("stays", text)
    assert result.targets["participants"]["unchanged"] == 4
    p3 = Participant.objects.get(ref="P3")
    assert (p3.sex, p3.birth_year, p3.given_name) == ("female", 2000, "Fatma")


@pytest.mark.parametrize("change,message", [
    (("P2,S4,PI-ARNHEM,2024-03-01,,convicted,,1985", "P2,S4,PI-ARNHEM,2024-03-01,,convicted,"
      "female,1985"), 'row 4, column sex, value "female": another sex than row 3 of this '
                      'participant'),
    (("P2,S4,PI-ARNHEM,2024-03-01", "P2,S4,PI-ARNHEM,2023-04-01"),
     'row 4, column entered_on, value "2023-04-01": overlaps with the stay in row 3 of the '
     'same participant'),
    (("P4,S6,FAC-HVH,2023-01-01,2023-09-01,convicted,male,1979,,positive_end",
      "P4,S6,FAC-HVH,2023-01-01,2023-09-01,convicted,male,1979,,"),
     'row 6, column outflow_type, value "": required when leaving a facility'),
    (("P4,S6,FAC-HVH", "P4,S6,FAC-NOWHERE"),
     'row 6, column institution, value "FAC-NOWHERE": unknown institution'),
    (("2023-01-01,2023-09-01,convicted,male,1979,,positive_end,,",
      "2023-01-01,2023-09-01,convicted,male,1979,,returned,,"),
     'row 6, column return_reason, value "": required for outflow \'returned\''),
    (("P3,S5,PI-ALMELO,2024-02-01,,", "P3,S5,PI-ALMELO,2024-02-01,2024-01-01,"),
     'row 5, column left_on, value "2024-01-01": is before entered_on'),
])
def test_invalid_stays(db, change, message):
    result = run("stays", STAYS.replace(*change))
    assert not result.ok
    with translation.override("en"):
        messages = [str(e) for e in result.errors]
    assert any(m.startswith(message) for m in messages), messages
    assert not Stay.objects.exists() and not Participant.objects.exists()


def test_overlap_with_a_registered_stay(imported):
    extra = STAYS.splitlines()[0] + "\nP3,S9,PI-ARNHEM,2024-05-01,2024-06-01,,,,,,,\n"
    result = run("stays", extra)
    with translation.override("en"):
        assert [str(e) for e in result.errors] == [
            'row 1, column entered_on, value "2024-05-01": overlaps with stay S5 that is '
            'already registered']


def test_a_unit_head_imports_only_for_the_own_institutions(db, make_user):
    user = make_user("unit_head", institutions=["PI-ARNHEM"])
    result = run("stays", STAYS, user=user)
    rows = sorted({e.row for e in result.errors})
    assert rows == [2, 5, 6]  # PI Almelo and Huis van Herstel
    assert not Stay.objects.exists()


def test_a_unit_head_cannot_change_a_stay_registered_elsewhere(imported, make_user):
    """S5 is at PI Almelo; a unit head of PI Arnhem naming it in a row for PI Arnhem would move
    it into their own institution."""
    header = STAYS.splitlines()[0]
    user = make_user("unit_head", institutions=["PI-ARNHEM"])
    result = run("stays", header + "\nP3,S5,PI-ARNHEM,2024-02-01,,convicted,female,2000,"
                 "2025-01-01,,,\n", user=user)
    assert [(e.row, e.column, e.value) for e in result.errors] == [(1, "stay_ref", "S5")]
    assert Stay.objects.get(ref="S5").institution.code == "PI-ALMELO"


def test_empty_cells_keep_stay_facts_and_goal_ratings(imported):
    """An empty cell is "not known": what is stored (entered in the app, say) stays."""
    s2 = Stay.objects.get(ref="S2")
    assert (s2.legal_status, str(s2.sentence_end_on), s2.aftercare_municipality,
            s2.municipality.code) == ("convicted", "2024-12-01", "Enschede", "enschede")
    text = STAYS.replace("P1,S2,PI-ALMELO,2024-06-01,,convicted,male,1990,2024-12-01,,,Enschede",
                         "P1,S2,PI-ALMELO,2024-06-01,,,male,1990,,,,")
    result = run("stays", text)
    assert result.ok and result.counts.updated == 0, result.counts.as_dict()
    s2.refresh_from_db()
    assert (s2.legal_status, str(s2.sentence_end_on), s2.aftercare_municipality,
            s2.municipality.code) == ("convicted", "2024-12-01", "Enschede", "enschede")
    # A name in the file still changes the municipality.
    moved = STAYS.replace("2024-12-01,,,Enschede", "2024-12-01,,,Hengelo")
    assert run("stays", moved).counts.updated == 1
    s2.refresh_from_db()
    assert (s2.aftercare_municipality, s2.municipality.code) == ("Hengelo", "hengelo")
    goals = GOALS.replace("G1,P1,housing,2024-02-01,achieved,2024-08-01,4,Een eigen kamer in "
                          "Arnhem", "G1,P1,housing,2024-02-01,achieved,2024-08-01,,")
    result = run("goals", goals)
    assert result.ok and result.counts.updated == 0, result.counts.as_dict()
    goal = Goal.objects.get(ref="G1")
    assert (goal.rating, goal.description) == (4, "Een eigen kamer in Arnhem")


# --- goals ----------------------------------------------------------------------------------------

def test_goals_with_their_history(imported):
    _stays, goals = imported
    assert goals.counts.as_dict() == {"created": 7, "updated": 0, "unchanged": 0}
    history = list(GoalStatusChange.objects.filter(goal__ref="G1").order_by("changed_on")
                   .values_list("from_status", "status", "changed_on", "reason"))
    assert [h[:2] for h in history] == [("", "open"), ("open", "achieved")]
    assert str(history[1][2]) == "2024-08-01" and history[1][3] == "import"
    assert GoalStatusChange.objects.filter(goal__ref="G2").count() == 1
    goal = Goal.objects.get(ref="G1")
    assert (goal.participant.ref, goal.rating, goal.description) == ("P1", 4,
                                                                     "Een eigen kamer in Arnhem")


def test_an_imported_goal_joins_the_plan_of_its_episode(imported):
    from herstelpad.plans import services as plans

    person = Participant.objects.get(ref="P2")
    version = plans.establish_version(person, actor=None, summary="Plan van de tweede periode.")
    result = run("goals", GOALS.splitlines()[0] + "\nG8,P2,debts,2024-05-01,open,,,\n")
    assert result.ok
    assert Goal.objects.get(ref="G8").plan_id == version.plan_id
    assert Goal.objects.get(ref="G3").plan_id is None  # set in the first episode, no plan


def test_goals_twice_unchanged_then_a_status_change_adds_history(imported):
    assert run("goals", GOALS).counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 7}
    assert GoalStatusChange.objects.count() == 12
    changed = run("goals", GOALS.replace("G4,P2,housing,2024-04-01,open,,,",
                                         "G4,P2,housing,2024-04-01,achieved,2024-09-01,4,"))
    assert changed.counts.as_dict() == {"created": 0, "updated": 1, "unchanged": 6}
    last = GoalStatusChange.objects.filter(goal__ref="G4").latest("id")
    assert (last.from_status, last.status, str(last.changed_on)) == ("open", "achieved",
                                                                     "2024-09-01")


@pytest.mark.parametrize("line,message", [
    ("G9,P9,housing,2024-01-01,open,,,", 'row 1, column participant_ref, value "P9": this '
                                         'participant does not exist'),
    ("G9,P1,housing,2024-01-01,achieved,,,", 'row 1, column closed_on, value "": required '
                                             "when the status is not 'open'"),
    ("G9,P1,housing,2024-01-01,open,2024-02-01,,", 'row 1, column closed_on, value '
                                                    '"2024-02-01": only for a closed goal'),
    ("G9,P1,housing,2024-01-01,achieved,2023-12-01,,", 'row 1, column closed_on, value '
                                                       '"2023-12-01": is before set_on'),
    ("G9,P1,housing,2024-01-01,open,,6,", 'row 1, column rating, value "6": greater than 5'),
    ("G9,P1,wonen,2024-01-01,open,,,", 'row 1, column domain, value "wonen": unknown code'),
    ("G9,P1,housing,2024-01-01,done,,,", 'row 1, column status, value "done": allowed: open'),
    ("G1,P2,housing,2024-01-01,open,,,", 'row 1, column goal_ref, value "G1": this goal '
                                         'already belongs to another participant'),
])
def test_invalid_goals(imported, line, message):
    result = run("goals", GOALS.splitlines()[0] + "\n" + line + "\n")
    with translation.override("en"):
        messages = [str(e) for e in result.errors]
    assert any(m.startswith(message) for m in messages), messages
    assert Goal.objects.count() == 7


def test_casemanagers_import_goals_only_for_participants_they_see(imported, make_user):
    user = make_user("casemanager", institutions=["PI-ALMELO"])
    result = run("goals", GOALS, user=user)
    # P1 (now at Almelo), P3 and P4 (Huis van Herstel belongs to PI Almelo) are visible; P2
    # (Arnhem) is not.
    assert sorted({e.row for e in result.errors}) == [3, 4]


# --- goal-domains ---------------------------------------------------------------------------------

def test_goal_domains_for_one_institution_and_year(imported):
    # Stays at Arnhem overlapping 2024: P1 (S1, transferred out in June) and P2 (S4, the second
    # episode; S3 ended in 2023). Their goals: G1 housing achieved, G2 debts open, G3 housing not
    # achieved, G4 housing open.
    assert report("--institution", "PI-ARNHEM", "--from", "2024-01-01", "--to",
                  "2024-12-31") == expected_csv({
                      "housing": (3, 2, 1, 0, 1, 1), "debts": (1, 1, 0, 0, 0, 1)})


def test_goal_domains_follows_the_transfer(imported):
    # Almelo in 2024: P1 (after the transfer) and P3.
    assert report("--institution", "PI-ALMELO", "--from", "2024-01-01", "--to",
                  "2024-12-31") == expected_csv({
                      "housing": (1, 1, 1, 0, 0, 0), "debts": (1, 1, 0, 0, 0, 1),
                      "work_daytime": (1, 1, 0, 1, 0, 0)})


def test_goal_domains_everything(imported):
    # All institutions, all time: housing G1 G3 G4 G6 (P1, P2, P2, P4); identity G7 withdrawn.
    assert report() == expected_csv({
        "identity": (1, 1, 0, 0, 0, 0), "housing": (4, 3, 2, 0, 1, 1),
        "debts": (1, 1, 0, 0, 0, 1), "work_daytime": (1, 1, 0, 1, 0, 0)})


def test_goal_domains_public_and_json(imported):
    body = json.loads(report("--format", "json", "--disclosure", "public"))
    housing = next(r for r in body["rows"] if r[0] == "housing")
    assert housing == ["housing", "<5", "<5", "<5", 0, "<5", "<5"]
    assert body["columns"] == HEADER.split(",")


def test_goal_domains_through_the_api_and_a_researcher_gets_public(imported, client,
                                                                   make_user):
    token = Token.objects.create(user=make_user("researcher"))
    response = client.get("/api/reports/goal-domains/?format=csv",
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "housing,<5,<5,<5,0,<5,<5" in response.content.decode()


def test_cli_import_of_both_files(db, tmp_path, capsys):
    (tmp_path / "stays.csv").write_text(STAYS)
    (tmp_path / "goals.csv").write_text(GOALS)
    call_command("import", "stays", str(tmp_path / "stays.csv"))
    call_command("import", "goals", str(tmp_path / "goals.csv"))
    assert Goal.objects.count() == 7
    (tmp_path / "bad.csv").write_text(GOALS.replace("G7,P4", "G7,P8"))
    with pytest.raises(CommandError) as exc:
        call_command("import", "goals", str(tmp_path / "bad.csv"))
    assert exc.value.returncode == 2


def test_a_reimport_that_would_break_a_regime_history_is_refused(db):
    """Two episodes with a regime start each: moving the second stay's arrival next to the
    first stay's departure would merge them into one episode with two starts."""
    from herstelpad.participants import services
    from herstelpad.participants.models import RegimeChange

    header = STAYS.splitlines()[0]
    first = (header + "\nP9,S91,PI-ARNHEM,2024-01-10,2024-06-01,convicted,male,1990,,,,"
             "\nP9,S92,PI-ARNHEM,2024-06-10,,convicted,male,1990,,,,\n")
    assert run("stays", first).ok
    assert Episode.objects.filter(participant__ref="P9").count() == 2
    for ref in ("S91", "S92"):
        stay = Stay.objects.get(ref=ref)
        RegimeChange.objects.create(participant=stay.participant, stay=stay, kind="start",
                                    regime="basic", changed_on=stay.entered_on)
    merged = first.replace("S92,PI-ARNHEM,2024-06-10", "S92,PI-ARNHEM,2024-06-02")
    result = run("stays", merged)
    assert not result.ok
    assert "regime" in " ".join(str(e) for e in result.errors)
    assert Episode.objects.filter(participant__ref="P9").count() == 2
    assert str(Stay.objects.get(ref="S92").entered_on) == "2024-06-10"
    for episode in Episode.objects.filter(participant__ref="P9"):
        assert services.regime_state(episode.pk).regime == "basic"


def test_a_goals_import_keeps_the_status_history_replayable(imported):
    from django.utils import timezone

    header = GOALS.splitlines()[0]
    # G1 is achieved on 2024-08-01: not closed otherwise, not re-dated.
    other_close = run("goals", header + "\nG1,P1,housing,2024-02-01,not_achieved,2024-08-01,,\n")
    assert [(e.row, e.column) for e in other_close.errors] == [(1, "status")]
    redated = run("goals", header + "\nG1,P1,housing,2024-02-01,achieved,2024-09-01,,\n")
    assert [(e.row, e.column) for e in redated.errors] == [(1, "closed_on")]
    # G2 is open, with a change recorded on 2024-09-10: closing it before that is refused.
    goal = Goal.objects.get(ref="G2")
    GoalStatusChange.objects.create(goal=goal, from_status="open", status="open",
                                    changed_on="2024-09-10", reason="bijgesteld")
    early = run("goals", header + "\nG2,P1,debts,2024-02-01,achieved,2024-08-01,,\n")
    assert [(e.row, e.column) for e in early.errors] == [(1, "closed_on")]
    assert Goal.objects.get(ref="G2").status == "open"
    # Reopening G1 is dated the day of the import, after the close it undoes.
    reopened = run("goals", header + "\nG1,P1,housing,2024-02-01,open,,,\n")
    assert reopened.ok, [str(e) for e in reopened.errors]
    last = GoalStatusChange.objects.filter(goal__ref="G1").latest("changed_on", "id")
    assert (last.from_status, last.status, last.changed_on) == ("achieved", "open",
                                                                timezone.localdate())
