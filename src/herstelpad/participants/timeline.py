"""The dossier timeline: one chronological list of what happened to a participant, assembled
from sources that the apps register.

A source is any object with
- `key`: a short stable name (also the filter value on the timeline page),
- `label`: what the timeline's filter calls it (Dutch, lazily translated),
- `events(participant, user) -> Iterable[Event]`: the events of one participant that this user
  may see. A source must use a **constant number of queries** (independent of how many events
  there are) and apply the access policy itself (e.g. `policy.scope` or a compartment rule),
  because the timeline page is only as private as its least careful source.

Register at start-up, usually in the app's `AppConfig.ready()`:

    from herstelpad.participants import timeline

    class InterventionSource:
        key = "interventions"
        label = _("Interventies")

        def events(self, participant, user):
            for enrolment in policy.scope(user, Enrolment.objects.filter(...)):
                yield timeline.Event(on=enrolment.enrolled_on, kind=self.key, title=...)

    timeline.register(InterventionSource())

`events_for(participant, user)` merges every source's events, newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Event:
    on: dt.date                     # the date the event happened (what the timeline sorts on)
    kind: str                       # the source's key
    title: str                      # one line, already translated
    detail: str = ""                # optional longer text (plain text; escaped on display)
    url: str = ""                   # where to read more, if anywhere
    actor: str = ""                 # who recorded it, when known
    at: dt.datetime | None = None   # time of day, for ordering within a day when known
    # Tie-breaker within the same date and time: sources give e.g. the row id.
    order: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self):
        at = self.at.timestamp() if self.at is not None else 0.0
        return (self.on, at, self.order)


class Source(Protocol):
    key: str
    label: Any

    def events(self, participant, user) -> Iterable[Event]: ...  # pragma: no cover


_sources: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add a source. Registering the same key twice replaces it (so a module reloaded in a
    test does not duplicate events); two different sources must not share a key."""
    key = getattr(source, "key", "")
    if not key or not hasattr(source, "events"):
        raise ImproperlyConfigured("A timeline source needs a key and an events() method")
    existing = _sources.get(key)
    if existing is not None and type(existing) is not type(source):
        raise ImproperlyConfigured(f"Timeline source key {key!r} is already taken")
    _sources[key] = source
    return source


def unregister(key: str) -> None:
    _sources.pop(key, None)


def sources() -> list[Source]:
    return list(_sources.values())


def events_for(participant, user, *, kinds: Iterable[str] | None = None) -> list[Event]:
    """All events of the selected sources (all when `kinds` is None), newest first."""
    wanted = set(kinds) if kinds is not None else None
    events: list[Event] = []
    for source in _sources.values():
        if wanted is not None and source.key not in wanted:
            continue
        events.extend(source.events(participant, user))
    events.sort(key=Event.sort_key, reverse=True)
    return events
