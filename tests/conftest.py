from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's synchronous API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("HERSTELPAD_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Een-lang-testwachtwoord-1"


@pytest.fixture
def make_user(db):
    """Create a user with a role, an organisation and institutions (by code)."""
    from herstelpad.accounts.models import User
    from herstelpad.organisations.models import Institution, Organisation

    default_org = {
        "mediator": "PERSPECTIEF", "course_provider": "GEVANGENENZORG",
        "volunteer_coordinator": "GEVANGENENZORG", "aftercare_coordinator": "GEM-ALMELO",
        "probation_officer": "RN", "selection_officer": "DIZ", "researcher": "WODC",
        "functional_admin": "HERSTELPAD",
        "auditor": "HERSTELPAD",
    }
    counter = {"n": 0}

    def make(role: str, *, institutions=("PI-ARNHEM",), organisation=None, username=None,
             **fields):
        counter["n"] += 1
        org = Organisation.objects.get(code=organisation or default_org.get(role, "DJI"))
        user = User.objects.create_user(
            username=username or f"{role}-{counter['n']}", password=PASSWORD, role=role,
            organisation=org, **fields,
        )
        if institutions:
            user.institutions.set(Institution.objects.filter(code__in=institutions))
        return user

    return make


@pytest.fixture
def role_client(client, make_user):
    """A test client logged in as a fresh user of the given role."""

    def login(role: str, **kwargs):
        user = make_user(role, **kwargs)
        client.force_login(user)
        client.user = user
        return client

    return login


# --- Browser ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium` (Debian's package)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base_url + "/account/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def follow(locator) -> None:
    """Click a link and wait until the page it leads to has loaded.

    Playwright's click returns once the click is dispatched, not when the navigation it starts
    has finished; a check run straight after it can see the old page or a document that is
    being replaced."""
    page = locator.page
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (from npm) against the current page; return serious/critical violations.

    The script is evaluated through the DevTools protocol, so the page's content security
    policy stays on. If a navigation replaces the document while axe runs (the evaluation then
    fails with a destroyed context or a null document), the run starts again on the page that
    has loaded."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        page.wait_for_load_state()
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.evaluate(AXE.read_text(encoding="utf-8"))
            result = page.evaluate(
                "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
                "'wcag21a', 'wcag21aa', 'best-practice']})"
            )
            break
        except PlaywrightError as error:
            navigating = any(sign in str(error) for sign in (
                "Execution context was destroyed", "reading 'documentElement'",
                "navigation", "Target closed"))
            if not navigating or attempt == 2:
                raise
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]
