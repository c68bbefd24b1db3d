"""Reading code lists from services and views: validation of a code-valued field, labels for
display, and the extra attributes of a code (a domain's basic condition, …).

Models store the code string (a stable key); these helpers check it against the active codes of
its list and turn it into the label of the active language. Each call is one query, so a page
asks for all the lists it needs at once (`labels(...)`) and keeps its query count constant.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from herstelpad.reference.models import Code


def active_codes(list_name: str) -> list[str]:
    return list(Code.objects.of(list_name).active().order_by("position", "code")
                .values_list("code", flat=True))


def validate(list_name: str, value: str, *, field: str, required: bool = False) -> str:
    """Return `value` when it is an active code of `list_name` (or empty and not required);
    raise a ValidationError naming the field and the allowed codes otherwise."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError({field: _("Dit veld is verplicht.")})
        return ""
    if not Code.objects.of(list_name).active().filter(code=value).exists():
        raise ValidationError({field: _("'%(value)s' is geen geldige code uit de lijst "
                                        "%(list)s (toegestaan: %(allowed)s).")
                               % {"value": value, "list": list_name,
                                  "allowed": ", ".join(active_codes(list_name))}})
    return value


def labels(*list_names: str) -> dict[str, dict[str, str]]:
    """{list name: {code: label in the active language}} for the named lists, in one query."""
    result: dict[str, dict[str, str]] = {name: {} for name in list_names}
    for code in (Code.objects.filter(code_list__name__in=list_names)
                 .select_related("code_list").order_by("position", "code")):
        result[code.code_list.name][code.code] = code.label
    return result


def choices(list_name: str, *, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs of the active codes, in list order, for a form field."""
    options = [(c.code, c.label) for c in Code.objects.of(list_name).active()
               .order_by("position", "code")]
    return ([("", blank)] if blank is not None else []) + options


def attributes(list_name: str) -> dict[str, dict]:
    """{code: attributes} of a list (e.g. each domain's basic condition and restoration
    layer)."""
    return {c.code: c.attributes for c in Code.objects.of(list_name)}
