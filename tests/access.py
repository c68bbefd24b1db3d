"""Helpers for the role × door access matrix: walk every URL pattern the project has."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def iter_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from iter_patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern), pattern.callback, namespace
