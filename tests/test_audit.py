"""The audit trail: append-only, hash-chained, verifiable, searchable by auditors only."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from herstelpad.accounts.models import Role
from herstelpad.audit import services
from herstelpad.audit.models import AuditChainHead, AuditEntry


def tamper(sql: str, params=()) -> None:
    """Change the trail behind the application's back, as someone with database access could:
    switch the append-only triggers off, run the statement, switch them on again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER audit_auditentry_no_update")
            cursor.execute(sql, params)
            cursor.execute(
                "CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
            )


@pytest.fixture
def trail(db):
    with services.acting_as(None):
        return [services.record("command", object_type="test.thing", object_id=i,
                                details={"n": i}) for i in range(5)]


def test_entries_are_chained(trail):
    assert trail[0].prev_hash == services.GENESIS
    for before, after in zip(trail, trail[1:]):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_hash == trail[-1].hash and head.count == 5


def test_verify_passes_on_an_untouched_trail(trail):
    result = services.verify()
    assert result.ok and result.checked == 5


def test_verify_names_an_altered_entry(trail):
    tamper("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["999", trail[2].pk])
    result = services.verify()
    assert not result.ok
    assert result.broken_id == trail[2].pk and result.reason == "altered"


def test_verify_detects_a_deleted_entry(trail):
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [trail[1].pk])
    result = services.verify()
    assert not result.ok and result.broken_id == trail[2].pk
    assert result.reason == "previous_missing"


def test_verify_detects_entries_cut_off_the_end(trail):
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [trail[-1].pk])
    result = services.verify()
    assert not result.ok and result.reason == "tail_missing"


def test_verify_detects_a_recomputed_plain_hash(trail):
    """Replacing an entry's hash by a plain SHA-256 of new content does not pass: the chain
    is keyed with a secret that is not in the database."""
    import hashlib

    forged = hashlib.sha256(b"forged").hexdigest()
    tamper("UPDATE audit_auditentry SET details = %s, hash = %s WHERE id = %s",
           ['{"n": 42}', forged, trail[3].pk])
    result = services.verify()
    assert not result.ok and result.broken_id == trail[3].pk


def test_cli_verify_exit_codes(trail, capsys, monkeypatch):
    """Through the console script's entry point: success returns (exit 0), a broken chain
    exits 1 and names the entry."""
    from django.db import connections
    from django.utils import translation

    # run_from_argv closes all connections when it finishes; keep the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    from herstelpad import cli

    with translation.override("nl"):
        cli.main(["audit", "verify"])
        assert "5" in capsys.readouterr().out

        tamper("UPDATE audit_auditentry SET purpose = 'x' WHERE id = %s", [trail[4].pk])
        with pytest.raises(SystemExit) as broken:
            cli.main(["audit", "verify"])
    assert broken.value.code == 1
    assert f"#{trail[4].pk}" in capsys.readouterr().err


def test_call_command_verify_raises_with_returncode_1(trail):
    tamper("UPDATE audit_auditentry SET purpose = 'x' WHERE id = %s", [trail[0].pk])
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1


def test_application_cannot_update_or_delete(trail):
    entry = AuditEntry.objects.get(pk=trail[0].pk)
    entry.purpose = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(purpose="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_database_refuses_update(trail):
    from django.db.utils import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET purpose = 'x' WHERE id = %s", [trail[0].pk])
    assert services.verify().ok


def test_database_delete_is_refused_or_detected(trail):
    """PostgreSQL refuses a DELETE outright; SQLite allows it (the test suite's flush needs
    it) and the chain then reports the gap."""
    from django.db.utils import DatabaseError

    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [trail[0].pk])
        assert services.verify().ok
    else:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [trail[0].pk])
        result = services.verify()
        assert not result.ok and result.broken_id == trail[1].pk


def test_create_update_delete_of_audited_models_are_recorded(make_user):
    user = make_user(Role.MENTOR)
    created = AuditEntry.objects.get(action="create", object_type="accounts.user",
                                     object_id=str(user.pk))
    assert created.details == {}
    user.first_name = "Nieuwe naam"
    user.save()
    update = AuditEntry.objects.filter(action="update", object_id=str(user.pk)).latest("id")
    assert update.details == {"fields": ["first_name"]}
    # Values are never copied into the trail.
    assert "Nieuwe naam" not in str(update.details)
    user.save()  # nothing changed: no entry
    assert AuditEntry.objects.filter(action="update", object_id=str(user.pk)).count() == 2


def test_password_change_names_the_field_only(make_user):
    user = make_user(Role.MENTOR)
    user.set_password("Een-ander-wachtwoord-2")
    user.save()
    entry = AuditEntry.objects.filter(action="update", object_id=str(user.pk)).latest("id")
    assert entry.details == {"fields": ["password"]}


def test_login_and_failed_login_are_recorded(client, make_user):
    from tests.conftest import PASSWORD

    user = make_user(Role.CASEMANAGER)
    client.post("/account/login/", {"login_view-current_step": "auth",
                                    "auth-username": user.username,
                                    "auth-password": "wrong"})
    failed = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert failed.details["username"] == user.username
    assert "wrong" not in str(failed.details)
    client.post("/account/login/", {"login_view-current_step": "auth",
                                    "auth-username": user.username,
                                    "auth-password": PASSWORD})
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert login.actor_id == user.pk and login.channel == "web"


def test_purpose_header_is_recorded(client, make_user):
    user = make_user(Role.AUDITOR)
    client.force_login(user)
    client.get("/audit/", HTTP_X_PURPOSE="kwartaalcontrole")
    entry = AuditEntry.objects.filter(action="list").latest("id")
    assert entry.purpose == "kwartaalcontrole" and entry.actor_id == user.pk


def test_auditor_searches_the_trail(role_client, make_user):
    target = make_user(Role.MENTOR, username="gezocht")
    client = role_client(Role.AUDITOR)
    response = client.get("/audit/", {"object_type": "accounts.user",
                                      "object_id": str(target.pk), "action": "create"})
    assert response.status_code == 200
    rows = response.context["page"].object_list
    assert [e.object_id for e in rows] == [str(target.pk)]
    # Reading the trail is itself recorded.
    last = AuditEntry.objects.latest("id")
    assert last.action == "list" and last.object_type == "audit.auditentry"


def test_audit_search_rejects_inverted_dates(role_client):
    client = role_client(Role.AUDITOR)
    response = client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert "De einddatum ligt voor de begindatum." in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_auditor_verifies_chain_in_the_ui(role_client, trail):
    client = role_client(Role.AUDITOR)
    response = client.post("/audit/verify/")
    assert response.status_code == 200 and response.context["result"].ok


def test_audit_search_query_count_is_constant(role_client, django_assert_max_num_queries):
    client = role_client(Role.AUDITOR)
    with services.acting_as(None):
        for i in range(120):
            services.record("command", object_type="test.thing", object_id=i)
    with django_assert_max_num_queries(12):
        assert client.get("/audit/").status_code == 200
