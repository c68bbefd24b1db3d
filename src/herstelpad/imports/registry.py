"""The registry of import KINDs. An app declares its KINDs in `<app>/import_kinds.py`:

    from herstelpad.imports.engine import Column, ImportKind
    from herstelpad.imports.registry import register

    @register
    class Stays(ImportKind):
        name = "stays"
        ...
"""

from __future__ import annotations

from herstelpad.imports.engine import ImportKind

_KINDS: dict[str, ImportKind] = {}


class UnknownKind(LookupError):
    pass


def register(kind_class: type[ImportKind]) -> type[ImportKind]:
    kind = kind_class()
    if not kind.name or not kind.key or not kind.permission:
        raise ValueError(f"{kind_class.__name__} must declare name, key and permission")
    if kind.key not in kind.column_names:
        raise ValueError(f"{kind_class.__name__}: key {kind.key!r} is not a column")
    from herstelpad import policy

    policy.roles_with(kind.permission)  # an unknown permission is a programming error
    _KINDS[kind.name] = kind
    return kind_class


def get(name: str) -> ImportKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def all_kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def kinds_for(user) -> list[ImportKind]:
    from herstelpad import policy

    return [k for k in all_kinds() if policy.has_perm(user, k.permission)]
