"""Each role against each door (web pages, API endpoints, admin): allowed or denied.

The expectations below are written by hand from the access rules, not derived from the policy,
so a change in the policy that is not also made here fails the suite. A URL that is not in the
matrix fails `test_every_url_is_in_the_matrix`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from herstelpad import policy
from herstelpad.accounts.models import Role
from tests.access import iter_patterns

ALL = frozenset(Role)
ADMIN = frozenset({Role.FUNCTIONAL_ADMIN})
AUDITOR = frozenset({Role.AUDITOR})
# The participant dossier (issue 4)
STAFF = frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT, Role.UNIT_HEAD})
MANAGERS = frozenset({Role.CASEMANAGER, Role.UNIT_HEAD})
CASEMANAGER = frozenset({Role.CASEMANAGER})
GOAL_WORKERS = frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT})
AFTERCARE = frozenset({Role.AFTERCARE_COORDINATOR})
CONSENT_MANAGERS = frozenset({Role.CASEMANAGER, Role.HERSTELCONSULENT, Role.UNIT_HEAD})
P = "/deelnemers/P-MATRIX"
IMPORTERS = ALL - {Role.RESEARCHER, Role.AUDITOR}
# Interventions (issue 5). The matrix data: Puinruimen (given by the institution itself, so run
# by the herstelconsulent of PI Arnhem), edition ED-MATRIX at PI Arnhem, P-MATRIX referred to
# it as E-MATRIX. The course provider (Gevangenenzorg) does not run Puinruimen.
HC = frozenset({Role.HERSTELCONSULENT})
MAINTAINERS = frozenset({Role.HERSTELCONSULENT, Role.FUNCTIONAL_ADMIN})
EDITION_RUNNERS = frozenset({Role.HERSTELCONSULENT, Role.COURSE_PROVIDER})
ENROLMENT_READERS = STAFF | {Role.COURSE_PROVIDER}
REFERRERS = frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT})
DECIDERS = frozenset({Role.CASEMANAGER, Role.UNIT_HEAD, Role.HERSTELCONSULENT})
I = "/interventies"
E = "/interventies/deelnames/E-MATRIX"
REPORT_USERS = ALL - {Role.AUDITOR}
# Herstelbemiddeling (issue 6). The matrix data: case HB-MATRIX about P-MATRIX, shared with
# the prison by consent, with the mediator `matrix-mediator` on it — never the fresh user of
# the test, so the sealed compartment's pages are refused to every role here (NOBODY) and
# `test_compartment_opens_for_the_mediator_on_the_case` checks that they open for that one.
MEDIATORS = frozenset({Role.MEDIATOR})
FIGURES = frozenset({Role.MEDIATOR, Role.UNIT_HEAD, Role.HERSTELCONSULENT, Role.RESEARCHER,
                     Role.FUNCTIONAL_ADMIN})
NOBODY = frozenset()
C = "/bemiddeling/zaken/HB-MATRIX"
# Facilities (issue 7). The matrix data: candidate K-MATRIX for Huis van Herstel from Almelo,
# waiting for the DIZ decision (`tests/facilities/helpers.make_matrix_candidate`).
DIZ = frozenset({Role.SELECTION_OFFICER})
CANDIDATE_READERS = STAFF | AFTERCARE | DIZ | {Role.PROBATION_OFFICER}
# The facility pages: configuration for everyone; K-MATRIX is seen by the municipality (Almelo)
# and DIZ (its advice was sent there), not by the staff of PI Arnhem; SF-MATRIX is a stay at
# Huis van Herstel of a participant who came from PI Arnhem. The team's forms (withdraw,
# pre-scan, placement, the stay's forms) are refused to every matrix role because none works
# at Huis van Herstel; `tests/facilities/test_views.py` opens them for the team.
FAC = "/voorzieningen"
K = f"{FAC}/kandidaten/K-MATRIX"
SF = f"{FAC}/verblijven/SF-MATRIX"
FAC_REFERRERS = frozenset({Role.CASEMANAGER, Role.AFTERCARE_COORDINATOR,
                           Role.PROBATION_OFFICER})
FAC_FIGURES = frozenset({Role.RESEARCHER, Role.FUNCTIONAL_ADMIN})


def _import_run(db):
    """An import run by someone else: only functional administrators see other people's runs."""
    import io

    from herstelpad.imports import services

    _result, run = services.import_file(
        "test-widgets", io.BytesIO(b"widget_ref,owner_ref,institution,category,made_on\n"
                                   b"W1,O1,PI-ARNHEM,housing,2024-01-01\n"), channel="cli")
    return f"/importeren/runs/{run.pk}/"

# url name -> (path, roles allowed, person-level?)
WEB = {
    "web:home": ("/", ALL, False),
    "two_factor:profile": ("/account/", ALL, True),
    "two_factor:setup": ("/account/two_factor/setup/", ALL, True),
    "audit:search": ("/audit/", AUDITOR, True),
    "audit:verify": ("/audit/verify/", AUDITOR, True),
    "admin:index": ("/beheer/", ADMIN, True),
    "admin:accounts_user_changelist": ("/beheer/accounts/user/", ADMIN, True),
    "admin:authtoken_tokenproxy_changelist": ("/beheer/authtoken/tokenproxy/", ADMIN, True),
    "admin:reference_codelist_changelist": ("/beheer/reference/codelist/", ADMIN, False),
    "admin:reference_code_changelist": ("/beheer/reference/code/", ADMIN, False),
    "admin:organisations_institution_changelist":
        ("/beheer/organisations/institution/", ADMIN, False),
    "admin:organisations_organisation_changelist":
        ("/beheer/organisations/organisation/", ADMIN, False),
    "admin:organisations_municipality_changelist":
        ("/beheer/organisations/municipality/", ADMIN, False),
    "admin:interventions_intervention_changelist":
        ("/beheer/interventions/intervention/", ADMIN, False),
    # The participant dossier: every page is person-level. The data (P-MATRIX at PI Arnhem,
    # aftercare municipality Almelo) comes from the `dossier` fixture; {…} are its ids.
    "participants:caseload": ("/deelnemers/", STAFF, True),
    "participants:register": ("/deelnemers/nieuw/", MANAGERS, True),
    "participants:note_search": ("/notities/", STAFF, True),
    "participants:aftercare_list": ("/nazorg/", AFTERCARE, True),
    "participants:aftercare_detail": ("/nazorg/P-MATRIX/", AFTERCARE, True),
    "participants:detail": (f"{P}/", STAFF, True),
    "participants:edit": (f"{P}/gegevens/", MANAGERS, True),
    "participants:stay_add": (f"{P}/verblijven/nieuw/", MANAGERS, True),
    "participants:stay_edit": (f"{P}/verblijven/S-MATRIX/", MANAGERS, True),
    "participants:transfer": (f"{P}/verblijven/S-MATRIX/overplaatsen/", MANAGERS, True),
    "participants:release": (f"{P}/verblijven/S-MATRIX/vertrek/", MANAGERS, True),
    "participants:regime": (f"{P}/regime/", MANAGERS, True),
    "participants:team": (f"{P}/team/", STAFF, True),
    "participants:assignment_end": (f"{P}/team/{{assignment}}/beeindigen/", MANAGERS, True),
    "participants:notes": (f"{P}/notities/", STAFF, True),
    "participants:timeline": (f"{P}/tijdlijn/", STAFF, True),
    "plans:plan": (f"{P}/plan/", STAFF, True),
    "plans:version_add": (f"{P}/plan/nieuwe-versie/", CASEMANAGER, True),
    "plans:version": (f"{P}/plan/versies/{{version}}/", STAFF, True),
    "plans:sign_off": (f"{P}/plan/versies/{{version}}/ondertekening/", CASEMANAGER, True),
    "plans:goal_add": (f"{P}/doelen/nieuw/", GOAL_WORKERS, True),
    "plans:goal": (f"{P}/doelen/G-MATRIX/", STAFF, True),
    "plans:goal_edit": (f"{P}/doelen/G-MATRIX/wijzigen/", GOAL_WORKERS, True),
    "plans:goal_status": (f"{P}/doelen/G-MATRIX/stand/", GOAL_WORKERS, True),
    "plans:goal_rating": (f"{P}/doelen/G-MATRIX/oordeel/", GOAL_WORKERS, True),
    "plans:action_add": (f"{P}/doelen/G-MATRIX/acties/nieuw/", GOAL_WORKERS, True),
    "plans:action_edit": (f"{P}/doelen/G-MATRIX/acties/{{action}}/", GOAL_WORKERS, True),
    "plans:strengths": (f"{P}/krachten/", STAFF, True),
    "plans:strengths_edit": (f"{P}/krachten/housing/", GOAL_WORKERS, True),
    "plans:reviews": (f"{P}/gesprekken/", STAFF, True),
    "plans:review_add": (f"{P}/gesprekken/nieuw/", CASEMANAGER, True),
    "plans:action_plan": (f"{P}/actieplan/", STAFF, True),
    "plans:action_plan_pdf": (f"{P}/actieplan/pdf/", STAFF, True),
    "consent:list": (f"{P}/toestemming/", STAFF, True),
    "consent:add": (f"{P}/toestemming/nieuw/", CONSENT_MANAGERS, True),
    "consent:withdraw": (f"{P}/toestemming/{{consent}}/intrekken/", CONSENT_MANAGERS, True),
    # Interventions: the catalogue is for everyone; editions and enrolments follow the policy.
    "interventions:catalogue": (f"{I}/", ALL, False),
    "interventions:institutions": (f"{I}/inrichtingen/", ALL, False),
    "interventions:institution": (f"{I}/inrichtingen/PI-ARNHEM/", ALL, False),
    "interventions:detail": (f"{I}/puinruimen/", ALL, False),
    "interventions:maintain": (f"{I}/puinruimen/beheer/", MAINTAINERS, False),
    "interventions:availability": (f"{I}/puinruimen/beschikbaarheid/PI-ARNHEM/", MAINTAINERS,
                                   False),
    "interventions:editions": (f"{I}/edities/", ENROLMENT_READERS, True),
    "interventions:edition_add": (f"{I}/edities/nieuw/", EDITION_RUNNERS, False),
    "interventions:edition": (f"{I}/edities/ED-MATRIX/", STAFF, True),
    "interventions:edition_edit": (f"{I}/edities/ED-MATRIX/wijzigen/", HC, True),
    "interventions:edition_enrol": (f"{I}/edities/ED-MATRIX/aanmelden/", REFERRERS, True),
    "interventions:session_add": (f"{I}/edities/ED-MATRIX/bijeenkomsten/nieuw/", HC, True),
    "interventions:session": (f"{I}/edities/ED-MATRIX/bijeenkomsten/1/", HC, True),
    "interventions:enrolment": (f"{E}/", STAFF, True),
    "interventions:enrolment_step": (f"{E}/stap/approve/", DECIDERS, True),
    "interventions:enrolment_certificate": (f"{E}/certificaat/", HC, True),
    "interventions:enrolment_content": (f"{E}/inhoud/", HC, True),
    "interventions:enrolment_goal": (f"{E}/doel/", GOAL_WORKERS, True),
    "interventions:dossier": (f"{P}/interventies/", STAFF, True),
    "interventions:refer": (f"{P}/interventies/aanmelden/", REFERRERS, True),
    # Herstelbemiddeling: the prison side in the dossier, the mediation organisation's pages
    "mediation:dossier": (f"{P}/herstelbemiddeling/", STAFF, True),
    "mediation:refer": (f"{P}/herstelbemiddeling/aanmelden/", REFERRERS, True),
    "mediation:court_add": (f"{P}/herstelbemiddeling/mediation-in-strafzaken/", STAFF, True),
    "mediation:court_end": (f"{P}/herstelbemiddeling/mediation-in-strafzaken/{{court}}/afgerond/",
                            STAFF, True),
    "mediation:workbench": ("/bemiddeling/", MEDIATORS, True),
    "mediation:reminders": ("/bemiddeling/herinneringen/", MEDIATORS, True),
    "mediation:dashboard": ("/bemiddeling/cijfers/", FIGURES, False),
    "mediation:register": ("/bemiddeling/zaken/", MEDIATORS, True),
    "mediation:case_add": ("/bemiddeling/zaken/nieuw/", MEDIATORS, True),
    "mediation:case": (f"{C}/", MEDIATORS, True),
    "mediation:case_step": (f"{C}/stap/reassign/", MEDIATORS, True),
    "mediation:reopen": (f"{C}/heropenen/", MEDIATORS, True),
    "mediation:case_edit": (f"{C}/gegevens/", NOBODY, True),
    "mediation:party_add": (f"{C}/partijen/nieuw/", NOBODY, True),
    "mediation:party_edit": (f"{C}/partijen/{{party}}/", NOBODY, True),
    "mediation:conversation_add": (f"{C}/gesprekken/nieuw/", NOBODY, True),
    "mediation:message_add": (f"{C}/brieven/nieuw/", NOBODY, True),
    "mediation:condition_add": (f"{C}/voorwaarden/nieuw/", NOBODY, True),
    "mediation:court_list": ("/bemiddeling/mediation-in-strafzaken/", MEDIATORS, True),
    "mediation:court_new": ("/bemiddeling/mediation-in-strafzaken/nieuw/", MEDIATORS, True),
    "mediation:court_close": ("/bemiddeling/mediation-in-strafzaken/{court}/afgerond/",
                              MEDIATORS, True),
    # Facilities (issue 7)
    "facilities:list": (f"{FAC}/", ALL, False),
    "facilities:facility": (f"{FAC}/FAC-HVH/", ALL, False),
    "facilities:board": (f"{FAC}/FAC-HVH/kandidaten/", CANDIDATE_READERS, True),
    "facilities:candidate_add": (f"{FAC}/FAC-HVH/kandidaten/nieuw/", FAC_REFERRERS, True),
    "facilities:candidate": (f"{K}/", AFTERCARE | DIZ, True),
    "facilities:decide": (f"{K}/besluit/", DIZ, True),
    "facilities:withdraw": (f"{K}/terugtrekken/", NOBODY, True),
    "facilities:reopen": (f"{K}/heropenen/", NOBODY, True),
    "facilities:prescan": (f"{K}/voorscan/", NOBODY, True),
    "facilities:exception": (f"{K}/uitzondering/", NOBODY, True),
    "facilities:place": (f"{K}/plaatsen/", NOBODY, True),
    "facilities:stays": (f"{FAC}/FAC-HVH/verblijven/", STAFF, True),
    "facilities:stay": (f"{SF}/", STAFF, True),
    "facilities:trial": (f"{SF}/proefperiode/", NOBODY, True),
    "facilities:temporary_return": (f"{SF}/tijdelijk-terug/", NOBODY, True),
    "facilities:end_temporary_return": (f"{SF}/tijdelijk-terug/{{temporary}}/terugkeer/",
                                        NOBODY, True),
    "facilities:definitive_return": (f"{SF}/terugplaatsen/", NOBODY, True),
    "facilities:outflow": (f"{SF}/vertrek/", NOBODY, True),
    "facilities:dashboard": (f"{FAC}/FAC-HVH/cijfers/", FAC_FIGURES, False),
    # Imports (the test KIND `test-widgets` needs reference.manage) and reports
    "imports:index": ("/importeren/", IMPORTERS, False),
    "imports:kind": ("/importeren/test-widgets/", ADMIN, False),
    "imports:run": (_import_run, ADMIN, True),
    "reports:index": ("/rapporten/", REPORT_USERS, False),
    "reports:detail": ("/rapporten/test-widgets/?from=2020-01-01", REPORT_USERS, False),
    "reports:download": ("/rapporten/test-widgets/download.csv", REPORT_USERS, False),
}
# Form pages posted empty: allowed roles get the form back with errors (400), others 403.
WEB_POST = {
    name: (WEB[name][0], roles) for name, roles in [
        ("participants:register", MANAGERS), ("participants:edit", MANAGERS),
        ("participants:stay_add", MANAGERS), ("participants:stay_edit", MANAGERS),
        ("participants:transfer", MANAGERS), ("participants:release", MANAGERS),
        ("participants:regime", MANAGERS), ("participants:team", MANAGERS),
        ("participants:assignment_end", MANAGERS), ("participants:notes", STAFF),
        ("plans:version_add", CASEMANAGER), ("plans:sign_off", CASEMANAGER),
        ("plans:review_add", CASEMANAGER), ("plans:goal_add", GOAL_WORKERS),
        ("plans:goal_edit", GOAL_WORKERS), ("plans:goal_status", GOAL_WORKERS),
        ("plans:goal_rating", GOAL_WORKERS), ("plans:action_add", GOAL_WORKERS),
        ("plans:action_edit", GOAL_WORKERS), ("plans:strengths_edit", GOAL_WORKERS),
        ("consent:add", CONSENT_MANAGERS), ("consent:withdraw", CONSENT_MANAGERS),
        ("interventions:maintain", MAINTAINERS), ("interventions:availability", MAINTAINERS),
        ("interventions:edition_add", EDITION_RUNNERS), ("interventions:edition_edit", HC),
        ("interventions:edition_enrol", REFERRERS), ("interventions:session_add", HC),
        ("interventions:session", HC), ("interventions:enrolment_step", DECIDERS),
        ("interventions:enrolment_certificate", HC), ("interventions:enrolment_content", HC),
        ("interventions:enrolment_goal", GOAL_WORKERS), ("interventions:refer", REFERRERS),
        ("mediation:refer", REFERRERS), ("mediation:court_add", STAFF),
        ("mediation:court_end", STAFF), ("mediation:case_add", MEDIATORS),
        ("mediation:case_step", MEDIATORS), ("mediation:reopen", MEDIATORS),
        ("mediation:court_new", MEDIATORS), ("mediation:court_close", MEDIATORS),
        ("mediation:case_edit", NOBODY), ("mediation:party_add", NOBODY),
        ("mediation:party_edit", NOBODY), ("mediation:conversation_add", NOBODY),
        ("mediation:message_add", NOBODY), ("mediation:condition_add", NOBODY),
        ("facilities:candidate_add", FAC_REFERRERS), ("facilities:decide", DIZ),
        ("facilities:withdraw", NOBODY), ("facilities:reopen", NOBODY),
        ("facilities:prescan", NOBODY), ("facilities:exception", NOBODY),
        ("facilities:place", NOBODY), ("facilities:trial", NOBODY),
        ("facilities:temporary_return", NOBODY), ("facilities:end_temporary_return", NOBODY),
        ("facilities:definitive_return", NOBODY), ("facilities:outflow", NOBODY),
    ]
}
# The compartment's pages, for the mediator on the case (the matrix data's `matrix-mediator`).
COMPARTMENT = ["mediation:case_edit", "mediation:party_add", "mediation:party_edit",
               "mediation:conversation_add", "mediation:message_add",
               "mediation:condition_add"]
API = {
    "api:api-root": ("/api/", ALL),
    "api:schema": ("/api/schema/", ALL),
    "api:docs": ("/api/docs/", ALL),
    "api:institution-list": ("/api/institutions/", ALL),
    "api:institution-detail": ("/api/institutions/PI-ARNHEM/", ALL),
    "api:organisation-list": ("/api/organisations/", ALL),
    "api:organisation-detail": ("/api/organisations/PERSPECTIEF/", ALL),
    "api:participant-list": ("/api/participants/", STAFF),
    "api:participant-detail": ("/api/participants/P-MATRIX/", STAFF),
    "api:stay-list": ("/api/stays/", STAFF),
    "api:stay-detail": ("/api/stays/S-MATRIX/", STAFF),
    "api:plan-list": ("/api/plans/", STAFF),
    "api:plan-detail": ("/api/plans/{plan}/", STAFF),
    "api:goal-list": ("/api/goals/", STAFF),
    "api:goal-detail": ("/api/goals/G-MATRIX/", STAFF),
    "api:consent-list": ("/api/consents/", STAFF | AFTERCARE),
    "api:consent-detail": ("/api/consents/{consent}/", STAFF | AFTERCARE),
    "api:intervention-list": ("/api/interventions/", ALL),
    "api:intervention-detail": ("/api/interventions/puinruimen/", ALL),
    "api:intervention-fit": ("/api/interventions/puinruimen/fit/?participant=P-MATRIX", STAFF),
    "api:edition-list": ("/api/editions/", ENROLMENT_READERS),
    "api:edition-detail": ("/api/editions/ED-MATRIX/", STAFF),
    "api:enrolment-list": ("/api/enrolments/", ENROLMENT_READERS),
    "api:enrolment-detail": ("/api/enrolments/E-MATRIX/", STAFF),
    "api:mediation-referral-list": ("/api/mediation/referrals/", STAFF),
    "api:mediation-referral-detail": ("/api/mediation/referrals/HB-MATRIX/", STAFF),
    "api:mediation-case-list": ("/api/mediation/cases/", MEDIATORS),
    "api:mediation-case-detail": ("/api/mediation/cases/HB-MATRIX/", MEDIATORS),
    "api:mediation-case-parties": ("/api/mediation/cases/HB-MATRIX/parties/", NOBODY),
    "api:mediation-court-mediation-list": ("/api/mediation/court-mediations/", MEDIATORS),
    "api:mediation-court-mediation-detail": ("/api/mediation/court-mediations/{court}/",
                                             MEDIATORS),
    "api:facility-candidate-list": ("/api/facilities/candidates/", CANDIDATE_READERS),
    "api:facility-candidate-detail": ("/api/facilities/candidates/K-MATRIX/",
                                      AFTERCARE | DIZ),
    "api:facility-stay-list": ("/api/facilities/stays/", STAFF),
    "api:import-runs": ("/api/imports/", IMPORTERS),
    "api:reports": ("/api/reports/", REPORT_USERS),
    "api:report": ("/api/reports/test-widgets/", REPORT_USERS),
}
# Write endpoints, sent an empty body: allowed roles get 400 (invalid input), others 403.
API_WRITE = {
    "api:participant-list": ("post", "/api/participants/", MANAGERS),
    "api:participant-detail": ("patch", "/api/participants/P-MATRIX/", MANAGERS),
    "api:stay-list": ("post", "/api/stays/", MANAGERS),
    "api:stay-detail": ("patch", "/api/stays/S-MATRIX/", MANAGERS),
    "api:stay-transfer": ("post", "/api/stays/S-MATRIX/transfer/", MANAGERS),
    "api:stay-release": ("post", "/api/stays/S-MATRIX/release/", MANAGERS),
    "api:plan-list": ("post", "/api/plans/", CASEMANAGER),
    "api:plan-sign-off": ("post", "/api/plans/{plan}/sign-off/", CASEMANAGER),
    "api:goal-list": ("post", "/api/goals/", GOAL_WORKERS),
    "api:goal-detail": ("patch", "/api/goals/G-MATRIX/", GOAL_WORKERS),
    "api:goal-change-status": ("post", "/api/goals/G-MATRIX/status/", GOAL_WORKERS),
    "api:goal-add-action": ("post", "/api/goals/G-MATRIX/actions/", GOAL_WORKERS),
    "api:goal-update-action": ("patch", "/api/goals/G-MATRIX/actions/{action}/", GOAL_WORKERS),
    "api:consent-list": ("post", "/api/consents/", CONSENT_MANAGERS),
    "api:consent-withdraw": ("post", "/api/consents/{consent}/withdraw/", CONSENT_MANAGERS),
    "api:edition-list": ("post", "/api/editions/", EDITION_RUNNERS),
    "api:edition-detail": ("patch", "/api/editions/ED-MATRIX/", HC),
    "api:enrolment-list": ("post", "/api/enrolments/", REFERRERS),
    "api:enrolment-steps": ("post", "/api/enrolments/E-MATRIX/steps/", DECIDERS),
    "api:enrolment-certificate": ("post", "/api/enrolments/E-MATRIX/certificate/", HC),
    "api:enrolment-goal": ("post", "/api/enrolments/E-MATRIX/goal/", GOAL_WORKERS),
    "api:mediation-referral-list": ("post", "/api/mediation/referrals/", REFERRERS),
    "api:mediation-case-list": ("post", "/api/mediation/cases/", MEDIATORS),
    "api:mediation-case-detail": ("patch", "/api/mediation/cases/HB-MATRIX/", MEDIATORS),
    "api:mediation-case-steps": ("post", "/api/mediation/cases/HB-MATRIX/steps/", MEDIATORS),
    "api:mediation-case-reopen": ("post", "/api/mediation/cases/HB-MATRIX/reopen/", MEDIATORS),
    "api:mediation-case-parties": ("post", "/api/mediation/cases/HB-MATRIX/parties/", NOBODY),
    "api:mediation-court-mediation-list": ("post", "/api/mediation/court-mediations/",
                                           MEDIATORS),
    "api:mediation-court-mediation-end": ("post", "/api/mediation/court-mediations/{court}/end/",
                                          MEDIATORS),
    # K-MATRIX waits for the DIZ decision: only the selection officer may decide; the team
    # roles of PI Arnhem do not see it, the municipality sees it but does not decide.
    "api:facility-candidate-decide": ("post", "/api/facilities/candidates/K-MATRIX/decide/",
                                      DIZ),
    "api:facility-candidate-withdraw": ("post",
                                        "/api/facilities/candidates/K-MATRIX/withdraw/", NOBODY),
    "api:facility-candidate-prescan": ("post", "/api/facilities/candidates/K-MATRIX/prescan/",
                                       NOBODY),
}
# Endpoints that only accept POST: (path, body, content type, roles allowed)
API_POST = {
    "api:import": ("/api/imports/test-widgets/?dry_run=true",
                   b"widget_ref,owner_ref,institution,category,made_on\n"
                   b"W1,O1,PI-ARNHEM,housing,2024-01-01\n", "text/csv", ADMIN),
}
# Views anyone may open, and views that only make sense inside a flow (a POST, a wizard step)
# with the permission they declare.
PUBLIC = {"two_factor:login", "set_language", "web:health"}
FLOW = {
    "two_factor:logout": "account.manage_own",
    "two_factor:qr": "account.manage_own",
    "two_factor:setup_complete": "account.manage_own",
    "two_factor:disable": "account.manage_own",
    "two_factor:backup_tokens": "account.manage_own",  # only after two-factor verification
}


def _cases(table):
    for name, spec in table.items():
        for role in Role:
            yield pytest.param(name, spec, role, id=f"{name}-{role.value}")


@pytest.fixture(autouse=True)
def dossier(request):
    """One participant with a stay, goal, action, plan version and assignment, at PI Arnhem
    (where `make_user` puts every user), aftercare municipality Almelo (the default
    organisation of aftercare coordinators). Returns the ids the paths need."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return {}
    request.getfixturevalue("db")
    from herstelpad.participants.models import Participant
    from tests.dossier import make_dossier_for_matrix
    from tests.mediation.helpers import make_matrix_mediation

    ids = make_dossier_for_matrix()
    # The mediation and facility data are built only for the rows of those parts (and for
    # every test that is not one row): building them for each of the matrix's thousands of
    # rows doubled the suite's time.
    callspec = getattr(request.node, "callspec", None)
    row = (f"{callspec.params.get('name', '')} {callspec.params.get('spec', '')!r}"
           if callspec is not None and "name" in callspec.params else None)
    if row is None or "mediation" in row or "bemiddeling" in row:
        ids.update(make_matrix_mediation(Participant.objects.get(ref="P-MATRIX")))
    if row is None or "facilit" in row or "voorziening" in row:
        from tests.facilities.helpers import make_matrix_candidate
        from tests.facilities.web_matrix import make_matrix_facility_stay

        ids.update(make_matrix_candidate())
        ids.update(make_matrix_facility_stay())
    return ids


def _path(path, db=None):
    return path(db) if callable(path) else path


@pytest.mark.parametrize("name,spec,role", list(_cases(WEB)))
def test_web_matrix(role_client, db, dossier, name, spec, role):
    path, allowed, _person = spec
    path = _path(path, db)
    client = role_client(role)
    response = client.get(path.format(**dossier))
    if role in allowed:
        assert response.status_code == 200, (name, role, response.status_code)
    else:
        assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.parametrize("name,spec,role", list(_cases(WEB_POST)))
def test_web_post_matrix(role_client, dossier, name, spec, role):
    path, allowed = spec
    client = role_client(role)
    response = client.post(path.format(**dossier), {})
    if role in allowed:
        assert response.status_code == 400, (name, role, response.status_code)
    else:
        assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.parametrize("name,spec,role", list(_cases(API)))
def test_api_matrix_with_token(client, make_user, dossier, name, spec, role):
    from rest_framework.authtoken.models import Token

    path, allowed = spec
    token = Token.objects.create(user=make_user(role))
    response = client.get(path.format(**dossier), HTTP_AUTHORIZATION=f"Token {token.key}")
    expected = 200 if role in allowed else 403
    assert response.status_code == expected, (name, role, response.status_code)


@pytest.mark.parametrize("name,spec,role", list(_cases(API_WRITE)))
def test_api_write_matrix_with_token(client, make_user, dossier, name, spec, role):
    from rest_framework.authtoken.models import Token

    method, path, allowed = spec
    token = Token.objects.create(user=make_user(role))
    response = getattr(client, method)(path.format(**dossier), {},
                                       content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Token {token.key}")
    expected = 400 if role in allowed else 403
    assert response.status_code == expected, (name, role, response.status_code)


@pytest.mark.parametrize("name,spec,role", list(_cases(API_POST)))
def test_api_post_matrix_with_token(client, make_user, name, spec, role):
    from rest_framework.authtoken.models import Token

    path, body, content_type, allowed = spec
    token = Token.objects.create(user=make_user(role))
    response = client.post(path, body, content_type=content_type,
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    expected = 200 if role in allowed else 403
    assert response.status_code == expected, (name, role, response.status_code)


@pytest.mark.parametrize("name", sorted(API_POST))
def test_anonymous_api_post_is_refused(client, db, name):
    path, body, content_type, _allowed = API_POST[name]
    assert client.post(path, body, content_type=content_type).status_code == 401


@pytest.mark.parametrize("name", sorted(WEB))
def test_anonymous_web_is_sent_to_login(client, db, dossier, name):
    response = client.get(_path(WEB[name][0], db).format(**dossier))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


@pytest.mark.parametrize("name", sorted(WEB_POST))
def test_anonymous_web_post_is_sent_to_login(client, db, dossier, name):
    response = client.post(WEB_POST[name][0].format(**dossier), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


@pytest.mark.parametrize("name", sorted(API))
def test_anonymous_api_is_refused(client, db, dossier, name):
    response = client.get(API[name][0].format(**dossier))
    assert response.status_code == 401


@pytest.mark.parametrize("name", sorted(API_WRITE))
def test_anonymous_api_write_is_refused(client, db, dossier, name):
    method, path, _roles = API_WRITE[name]
    response = getattr(client, method)(path.format(**dossier), {},
                                       content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("name", COMPARTMENT)
def test_compartment_opens_for_the_mediator_on_the_case(client, db, dossier, name):
    client.force_login(dossier["mediator"])
    assert client.get(WEB[name][0].format(**dossier)).status_code == 200, name
    assert client.post(WEB[name][0].format(**dossier), {}).status_code == 400, name


def test_compartment_api_opens_for_the_mediator_on_the_case(client, db, dossier):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=dossier["mediator"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    path = API["api:mediation-case-parties"][0]
    assert client.get(path, **auth).status_code == 200
    assert client.post(path, {}, content_type="application/json", **auth).status_code == 400


def test_every_url_is_in_the_matrix():
    missing = []
    for name, route, callback, namespace in iter_patterns():
        if namespace == "admin":
            continue  # the whole admin is guarded by HerstelpadAdminSite; sampled above
        if name is None or name.endswith("-detail") is False and "format" in route:
            continue  # DRF's format-suffix twins of named routes
        if name not in WEB and name not in API and name not in API_WRITE \
                and name not in API_POST and name not in PUBLIC and name not in FLOW:
            missing.append(name)
    assert not missing, f"URLs without an access expectation: {missing}"


def test_every_view_declares_a_permission():
    undeclared = []
    for name, route, callback, namespace in iter_patterns():
        if namespace == "admin":
            continue
        perm = policy.declared_permission(callback)
        if perm is None:
            undeclared.append(name or route)
        else:
            policy.roles_with(perm)  # raises for an unknown permission
        for action_perm in getattr(getattr(callback, "cls", None), "permission_by_action",
                                   {}).values():
            policy.roles_with(action_perm)
    assert not undeclared, f"views without a declared permission: {undeclared}"


def test_person_level_web_pages_are_all_marked():
    """Every dossier page is marked person-level, so the anonymous test covers it."""
    for name, (path, _roles, person) in WEB.items():
        if name.startswith(("participants:", "plans:")):
            assert person, name


@pytest.mark.parametrize("name,perm", sorted(FLOW.items()))
def test_flow_views_declare_expected_permission(name, perm):
    callbacks = {n: cb for n, _route, cb, _ns in iter_patterns()}
    assert policy.declared_permission(callbacks[name]) == perm


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_views_are_public(client, db, name):
    callbacks = {n: cb for n, _route, cb, _ns in iter_patterns()}
    assert policy.declared_permission(callbacks[name]) == policy.PUBLIC


def test_undeclared_view_is_refused(rf, make_user):
    """The middleware refuses a view that declares nothing, even for a signed-in user."""
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from herstelpad.accounts.middleware import AccessPolicyMiddleware

    def undeclared(request):
        return HttpResponse("secret")

    request = rf.get("/")
    request.user = make_user(Role.FUNCTIONAL_ADMIN)
    request.resolver_match = None
    middleware = AccessPolicyMiddleware(lambda r: HttpResponse())
    with pytest.raises(PermissionDenied):
        middleware.process_view(request, undeclared, (), {})


def test_denied_page_is_audited(role_client):
    from herstelpad.audit.models import AuditEntry

    client = role_client(Role.MENTOR)
    assert client.get("/audit/").status_code == 403
    entry = AuditEntry.objects.filter(action="denied").latest("id")
    assert entry.actor_id == client.user.pk
    assert entry.details["permission"] == "audit.view"
