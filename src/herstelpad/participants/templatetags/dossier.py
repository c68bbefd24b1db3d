"""Template helpers of the dossier pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def code_label(code, mapping):
    """The label of a code from a {code: label} mapping (as `reference.codes.labels` gives);
    the code itself when it is unknown, a dash when empty."""
    if not code:
        return "—"
    return (mapping or {}).get(code, code)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag
def remaining_text(remaining):
    """'143 dagen (4 maanden en 21 dagen)' from services.remaining_sentence()."""
    if remaining is None:
        return _("onbekend")
    days, months, rest = remaining
    if days < 0:
        return _("einddatum verstreken")
    text = ngettext("%(n)s dag", "%(n)s dagen", days) % {"n": days}
    if months:
        parts = ngettext("%(n)s maand", "%(n)s maanden", months) % {"n": months}
        if rest:
            parts = _("%(months)s en %(days)s") % {
                "months": parts, "days": ngettext("%(n)s dag", "%(n)s dagen", rest) % {"n": rest}}
        text = f"{text} ({parts})"
    return text
