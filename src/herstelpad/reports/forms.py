"""The parameters of a report, validated the same way for all three doors: the command line
and the API feed their raw values into `ReportForm`, the web page renders it."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.reports import disclosure
from herstelpad.reports.definitions import Param, Report

ISO = ["%Y-%m-%d"]


def may_see_exact(user) -> bool:
    return user is None or policy.has_perm(user, "reports.exact")


class CodesField(forms.CharField):
    """Comma-separated codes of one code list (e.g. `--channels pi,self`)."""

    def __init__(self, *, code_list: str, **kwargs):
        self.code_list = code_list
        super().__init__(**kwargs)

    def clean(self, value):
        from herstelpad.reference.models import Code

        value = super().clean(value)
        if not value:
            return []
        codes = [part.strip() for part in value.split(",") if part.strip()]
        known = set(Code.objects.of(self.code_list).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(
                _("Onbekende code(s) %(codes)s; toegestaan: %(known)s"),
                params={"codes": ", ".join(unknown), "known": ", ".join(sorted(known))})
        return list(dict.fromkeys(codes))


def param_field(param: Param) -> forms.Field:
    common = {"label": param.label, "required": False, "help_text": param.help}
    if param.type == "choice":
        return forms.ChoiceField(choices=list(param.choices), initial=param.default, **common)
    if param.type == "codes":
        return CodesField(code_list=param.code_list, **common)
    if param.type == "int":
        return forms.IntegerField(min_value=param.min_value, max_value=param.max_value,
                                  initial=param.default, **common)
    if param.type == "date":
        return forms.DateField(input_formats=ISO, initial=param.default,
                               widget=forms.DateInput(attrs={"type": "date"}), **common)
    raise ValueError(param.type)


class ReportForm(forms.Form):
    def __init__(self, report: Report, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report, self.user = report, user
        date_widget = forms.DateInput(attrs={"type": "date"})
        self.fields["from"] = forms.DateField(
            label=_("Vanaf"), required=False, input_formats=ISO, widget=date_widget,
            help_text=_("Leeg: vanaf het begin."))
        self.fields["to"] = forms.DateField(
            label=_("Tot en met"), required=False, input_formats=ISO, widget=date_widget,
            help_text=_("Leeg: tot en met vandaag."))
        if report.uses_institutions:
            self.fields["institution"] = forms.MultipleChoiceField(
                label=_("Inrichtingen"), required=False,
                widget=forms.SelectMultiple(attrs={"size": 8}),
                help_text=_("Geen keuze: alle inrichtingen die u mag zien."))
            self.fields["institution"].choices = self.institution_choices()
        for param in report.params:
            self.fields[param.name] = param_field(param)
        modes = [(disclosure.PUBLIC, _("Openbaar (kleine aantallen afgeschermd)"))]
        if may_see_exact(user):
            modes.insert(0, (disclosure.EXACT, _("Exact (alleen voor intern gebruik)")))
        self.fields["disclosure"] = forms.ChoiceField(
            label=_("Weergave"), choices=modes, required=False, initial=modes[0][0])

    def institution_choices(self):
        from herstelpad.organisations.models import Institution

        qs = (Institution.objects.all() if self.user is None
              else policy.visible_institutions(self.user))
        return [(i.code, i.name) for i in qs.order_by("name")]

    def clean_institution(self):
        return self.cleaned_data.get("institution") or []

    def add_error(self, field, error):
        # A code outside the user's scope gets a clearer message than "not one of the choices".
        if field == "institution" and isinstance(error, forms.ValidationError) and \
                getattr(error, "code", None) == "invalid_choice":
            error = forms.ValidationError(
                _("Onbekende inrichting, of een inrichting die u niet mag zien: %(value)s"),
                params=error.params)
        if field == "disclosure" and isinstance(error, forms.ValidationError) and \
                getattr(error, "code", None) == "invalid_choice":
            error = forms.ValidationError(
                _("U krijgt alleen openbare cijfers (disclosure public); exacte cijfers zijn "
                  "voorbehouden aan medewerkers met die bevoegdheid.")
                if (self.data.get("disclosure") == disclosure.EXACT)
                else _("Kies exact of public."))
        super().add_error(field, error)

    def clean(self):
        data = super().clean()
        if data.get("to") is None and "to" not in self.errors:
            data["to"] = timezone.localdate()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", _("De einddatum ligt voor de begindatum."))
        for param in self.report.params:
            if data.get(param.name) in (None, "", []) and param.default is not None:
                data[param.name] = param.default
        if not data.get("disclosure"):
            data["disclosure"] = disclosure.EXACT if may_see_exact(self.user) \
                else disclosure.PUBLIC
        return data
