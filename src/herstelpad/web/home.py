"""Panels on the home page. An app registers a function `panel(request) -> dict | None`; a
panel is a dict with at least `template` (rendered inside the home page's `role_content`
block with the dict as `panel`). Panels must keep the home page's query count constant."""

from __future__ import annotations

from collections.abc import Callable

_panels: list[Callable] = []


def register(panel: Callable) -> Callable:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def panels_for(request) -> list[dict]:
    result = []
    for panel in _panels:
        content = panel(request)
        if content:
            result.append(content)
    return result
