"""One import service, three doors: the command line, the web upload and the API give the same
result for the same file."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from rest_framework.authtoken.models import Token

from herstelpad.imports.models import ImportRun, RunStatus
from tests.imports.conftest import csv_bytes, widget_row
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
GOOD = csv_bytes([widget_row(i) for i in range(12)])
BAD = csv_bytes([widget_row(1), widget_row(2, made_on="2022-02-30"),
                 widget_row(3, active="maybe")])


# --- Command line -------------------------------------------------------------------------------

def test_cli_imports_and_reports_counts(tmp_path, capsys):
    path = tmp_path / "widgets.csv"
    path.write_bytes(GOOD)
    call_command("import", "test-widgets", str(path))
    assert "12" in capsys.readouterr().out
    assert Widget.objects.count() == 12
    call_command("import", "test-widgets", str(path))
    out = capsys.readouterr().out
    assert Widget.objects.count() == 12 and "12" in out
    run = ImportRun.objects.order_by("-id").first()
    assert (run.channel, run.unchanged, run.created) == ("cli", 12, 0)


def test_cli_invalid_file_exits_2_listing_every_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    with pytest.raises(CommandError) as exc:
        call_command("import", "test-widgets", str(path))
    assert exc.value.returncode == 2
    err = capsys.readouterr().err
    assert "2022-02-30" in err and "maybe" in err
    assert not Widget.objects.exists()


def test_cli_dry_run(tmp_path, capsys):
    path = tmp_path / "widgets.csv"
    path.write_bytes(GOOD)
    call_command("import", "test-widgets", str(path), "--dry-run")
    assert not Widget.objects.exists()
    assert ImportRun.objects.get().dry_run


def test_cli_unknown_kind_and_missing_file(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("import", "nonsense", str(tmp_path / "x.csv"))
    assert exc.value.returncode == 2 and "test-widgets" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("import", "test-widgets", str(tmp_path / "missing.csv"))
    assert exc.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_console_script_exit_codes_and_english_errors(tmp_path):
    """The real `herstelpad import` (shipped KINDs only: the test KIND is not shipped, so this
    checks the contract for an unknown KIND and for bad arguments)."""
    script = shutil.which("herstelpad") or str(ROOT / ".venv" / "bin" / "herstelpad")
    env = {**os.environ, "HERSTELPAD_HOME": str(tmp_path), "LANGUAGE": "en"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    subprocess.run([script, "migrate", "-v0"], env=env, check=True, timeout=300)
    result = subprocess.run([script, "import", "no-such-kind", "x.csv"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Unknown import KIND 'no-such-kind'" in result.stderr
    result = subprocess.run([script, "import"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2


# --- Web ----------------------------------------------------------------------------------------

@pytest.fixture
def admin_client(role_client):
    return role_client("functional_admin")


def upload(client, data: bytes, dry_run: bool = False):
    return client.post("/importeren/test-widgets/", {
        "file": SimpleUploadedFile("widgets.csv", data, content_type="text/csv"),
        **({"dry_run": "on"} if dry_run else {}),
    })


def test_web_upload_imports_and_shows_the_result(admin_client):
    response = upload(admin_client, GOOD)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert response["Location"] == f"/importeren/runs/{run.pk}/"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Import gelukt: 12 rijen — 12 nieuw, 0 bijgewerkt, 0 ongewijzigd." in text
    assert run.sha256 in text
    assert Widget.objects.count() == 12
    assert run.upload == "" and not list(Path(run.upload or "/nonexistent").parent.glob("x"))


def test_web_upload_with_errors_lists_them_and_saves_nothing(admin_client):
    response = upload(admin_client, BAD)
    page = admin_client.get(response["Location"])
    text = page.content.decode()
    assert "Er zijn 2 fouten gevonden. Er is niets opgeslagen" in text
    assert "rij 2, kolom made_on, waarde &quot;2022-02-30&quot;: deze datum bestaat niet" in text
    assert "rij 3, kolom active, waarde &quot;maybe&quot;: gebruik yes of no" in text
    assert not Widget.objects.exists()


def test_web_history_per_kind(admin_client):
    upload(admin_client, GOOD)
    upload(admin_client, GOOD, dry_run=True)
    page = admin_client.get("/importeren/test-widgets/").content.decode()
    assert page.count("widgets.csv") == 2 and "proef" in page


def test_web_upload_without_file_is_a_form_error(admin_client):
    response = admin_client.post("/importeren/test-widgets/", {})
    assert response.status_code == 400
    assert "Dit veld is vereist." in response.content.decode()


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_large_upload_runs_in_the_background_with_progress(admin_client, monkeypatch):
    from django_tasks import default_task_backend

    from herstelpad.imports import services

    monkeypatch.setattr(services, "SYNC_LIMIT_BYTES", 10)
    response = upload(admin_client, GOOD)
    run = ImportRun.objects.get()
    assert run.status == RunStatus.QUEUED
    assert [r.args for r in default_task_backend.results] == [[run.pk]]
    partial = admin_client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert "<html" not in partial.content.decode()
    # The worker runs the task; the next poll shows the result and stops polling.
    services.process_stored(run.pk)
    partial = admin_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Import gelukt" in partial and "hx-trigger" not in partial
    assert Widget.objects.count() == 12


def test_task_backend_runs_a_stored_import(admin_client, monkeypatch):
    from herstelpad.imports import services

    monkeypatch.setattr(services, "SYNC_LIMIT_BYTES", 10)
    upload(admin_client, GOOD)  # the test settings run tasks immediately
    assert ImportRun.objects.get().status == RunStatus.SUCCEEDED


def test_someone_elses_run_is_not_visible(role_client, make_user):
    from herstelpad.imports import services
    import io

    owner = make_user("functional_admin")
    _result, run = services.import_file("test-widgets", io.BytesIO(GOOD), user=owner,
                                        channel="web")
    client = role_client("casemanager")
    assert client.get(f"/importeren/runs/{run.pk}/").status_code == 403
    assert client.get("/importeren/runs/999999/").status_code == 404


def test_menu_shows_imports_only_with_a_kind(role_client):
    admin = role_client("functional_admin")
    assert 'href="/importeren/"' in admin.get("/").content.decode()


def test_menu_hides_imports_without_a_kind(role_client):
    mentor = role_client("mentor")
    assert 'href="/importeren/"' not in mentor.get("/").content.decode()


# --- API ----------------------------------------------------------------------------------------

@pytest.fixture
def api_client(client, make_user):
    token = Token.objects.create(user=make_user("functional_admin"))
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_api_multipart_import(api_client):
    response = api_client.post("/api/imports/test-widgets/", {
        "file": SimpleUploadedFile("w.csv", GOOD, content_type="text/csv")})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["valid"], body["written"], body["created"], body["rows"]) == (True, True, 12, 12)
    assert Widget.objects.count() == 12


def test_api_csv_body_import_twice_is_unchanged(api_client):
    api_client.post("/api/imports/test-widgets/", GOOD, content_type="text/csv")
    body = api_client.post("/api/imports/test-widgets/", GOOD, content_type="text/csv").json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 12)


def test_api_invalid_file_is_400_with_every_error(api_client):
    response = api_client.post("/api/imports/test-widgets/?dry_run=true", BAD,
                               content_type="text/csv")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [
        (2, "made_on", "2022-02-30"), (3, "active", "maybe")]
    assert not Widget.objects.exists()


def test_api_unknown_kind_and_missing_file(api_client):
    assert api_client.post("/api/imports/nope/", GOOD, content_type="text/csv").status_code == 404
    assert api_client.post("/api/imports/test-widgets/", {}).status_code == 400


def test_api_lists_runs(api_client):
    api_client.post("/api/imports/test-widgets/", GOOD, content_type="text/csv")
    body = api_client.get("/api/imports/?kind=test-widgets").json()
    assert body["count"] == 1 and body["results"][0]["created"] == 12


def test_same_result_through_every_door(api_client, admin_client, tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_bytes(BAD)
    with pytest.raises(CommandError):
        call_command("import", "test-widgets", str(path))
    upload(admin_client, BAD)
    api_client.post("/api/imports/test-widgets/", BAD, content_type="text/csv")
    runs = ImportRun.objects.order_by("id")
    assert [r.channel for r in runs] == ["cli", "web", "api"]
    assert len({(r.sha256, r.error_count, r.rows, str(r.errors)) for r in runs}) == 1


def test_terminal_progress_bar_only_on_a_terminal():
    import importlib

    from herstelpad.imports.engine import Progress

    TerminalProgress = importlib.import_module(
        "herstelpad.imports.management.commands.import").TerminalProgress

    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    terminal, pipe = Stream(True), Stream(False)
    for stream in (terminal, pipe):
        bar = TerminalProgress(stream, total=1000)
        bar(Progress("reading", 120, 250, 1000))
        bar(Progress("done", 480, 1000, 1000))
    assert pipe.getvalue() == ""
    assert "[#######.......................]  25.0%" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")
