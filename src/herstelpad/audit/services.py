"""Writing and verifying the audit trail. The only code that creates `AuditEntry` rows.

Who acted is taken from the current request (web and API; set by `AuditContextMiddleware`) or
from `acting_as(...)` (command line, background tasks). Write calls run inside the caller's
transaction: if the change rolls back, so does its audit entry.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from herstelpad.audit.models import Action, AuditChainHead, AuditEntry

GENESIS = "0" * 64

_request: ContextVar[Any] = ContextVar("herstelpad_audit_request", default=None)
_actor: ContextVar[Any] = ContextVar("herstelpad_audit_actor", default=None)
_channel: ContextVar[str] = ContextVar("herstelpad_audit_channel", default="")
_purpose: ContextVar[str] = ContextVar("herstelpad_audit_purpose", default="")


# --- Context ----------------------------------------------------------------------------------

@contextlib.contextmanager
def request_context(request):
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextlib.contextmanager
def acting_as(user=None, *, channel: str = "cli", purpose: str = ""):
    """Attribute audit entries to `user` (or to the operating-system user when None)."""
    tokens = [_actor.set(user if user is not None else _SystemActor()), _channel.set(channel),
              _purpose.set(purpose)]
    try:
        yield
    finally:
        _purpose.reset(tokens[2])
        _channel.reset(tokens[1])
        _actor.reset(tokens[0])


class _SystemActor:
    """The operator at the command line, when no Herstelpad user is named."""

    pk = None
    role = ""
    is_authenticated = False

    @property
    def username(self) -> str:
        try:
            return f"system:{getpass.getuser()}"
        except Exception:  # pragma: no cover - no passwd entry
            return "system"


def current_actor():
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
    return None


def _request_channel(request) -> str:
    return "api" if request.path.startswith("/api/") else "web"


def _current_purpose() -> str:
    if _purpose.get():
        return _purpose.get()
    request = _request.get()
    if request is not None:
        return request.headers.get("X-Purpose", "")[:200]
    return ""


# --- Hashing ----------------------------------------------------------------------------------

def _key() -> bytes:
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"herstelpad-audit-chain",
                    hashlib.sha256).digest()


def _timestamp(at) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(entry: AuditEntry) -> str:
    payload = {
        "at": _timestamp(entry.at),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "purpose": entry.purpose,
        "channel": entry.channel,
        "path": entry.path,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    message = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


# --- Writing ----------------------------------------------------------------------------------

def object_label(obj_or_model) -> str:
    return obj_or_model._meta.label_lower


def record(action: str, *, obj: models.Model | None = None, object_type: str = "",
           object_id: Any = "", purpose: str = "", details: dict | None = None) -> AuditEntry:
    """Append one entry to the trail."""
    Action(action)  # refuse unknown actions
    actor = current_actor()
    request = _request.get()
    if obj is not None:
        object_type = object_label(obj)
        object_id = obj.pk
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1)
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=(getattr(actor, "username", "") or "")[:150],
            actor_role=getattr(actor, "role", "") or "",
            action=action,
            object_type=object_type,
            object_id="" if object_id is None else str(object_id),
            purpose=(purpose or _current_purpose())[:200],
            channel=_channel.get() or (_request_channel(request) if request else "system"),
            path=(request.get_full_path()[:300] if request is not None else ""),
            details=details or {},
            prev_hash=head.last_hash,
        )
        entry.hash = compute_hash(entry)
        entry.save()
        AuditChainHead.objects.filter(pk=1).update(
            last_id=entry.pk, last_hash=entry.hash, count=models.F("count") + 1
        )
    return entry


def record_read(obj: models.Model, *, purpose: str = "") -> AuditEntry:
    return record(Action.READ, obj=obj, purpose=purpose)


def record_list(model: type[models.Model], *, count: int, purpose: str = "",
                details: dict | None = None) -> AuditEntry:
    return record(Action.LIST, object_type=object_label(model), purpose=purpose,
                  details={"count": count, **(details or {})})


def record_denied(obj: models.Model, *, purpose: str = "") -> AuditEntry:
    return record(Action.DENIED, obj=obj, purpose=purpose)


def record_denied_request(request, permission: str) -> AuditEntry:
    match = request.resolver_match
    details = {"permission": permission}
    if match is not None:
        details["view"] = match.view_name
    return record(Action.DENIED, details=details)


# --- Verifying --------------------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify() -> VerifyResult:
    """Walk the whole chain; report the first entry that is altered or out of chain."""
    previous = GENESIS
    checked = 0
    last_id = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=5000):
        if entry.prev_hash != previous:
            # The previous entry's own hash checked out, so something between the two is gone
            # (or was inserted).
            return VerifyResult(False, checked, entry.pk, "previous_missing")
        if not hmac.compare_digest(compute_hash(entry), entry.hash):
            return VerifyResult(False, checked, entry.pk, "altered")
        previous = entry.hash
        last_id = entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous or head.count != checked):
        return VerifyResult(False, checked, head.last_id or None,
                            "tail_missing" if head.count > checked else "head_mismatch")
    if head is None and checked:
        return VerifyResult(False, checked, last_id, "head_missing")
    return VerifyResult(True, checked)
