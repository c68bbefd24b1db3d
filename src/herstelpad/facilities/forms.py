"""Forms of the facility pages. They parse and present input; the rules (a rejection needs a
written reason, dates in order, who may decide what) live in `services`, whose
ValidationError comes back on the form next to the field it names (`ServiceForm`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from herstelpad.facilities.models import (
    CandidateState,
    Decision,
    PrescanPartner,
    Source,
)
from herstelpad.facilities.screening import ORDER_FLAGS
from herstelpad.organisations.models import Institution
from herstelpad.participants.forms import DateInput, ServiceForm, VersionedForm
from herstelpad.reference import codes


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(),
                           help_text=help_text)


RADIO = {"class": "utrecht-radio-button utrecht-radio-button--html-input"}


def _text(label, *, max_length, required=False, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=widget, help_text=help_text, strip=True)


SEX_CHOICES = [("male", _("man")), ("female", _("vrouw")), ("other", _("anders")),
               ("unknown", _("onbekend"))]
PROFICIENCY_CHOICES = [("unknown", _("onbekend")), ("none", _("geen")),
                       ("limited", _("beperkt")), ("sufficient", _("voldoende"))]
REGIME_CHOICES = [("", _("onbekend")), ("basic", _("basisprogramma")),
                  ("plus", _("plusprogramma"))]
FLAG_LABELS = {
    "life_sentence": _("Levenslang"),
    "isd": _("ISD-maatregel"),
    "tbs": _("TBS"),
    "clinic": _("Klinische behandeling geïndiceerd"),
    "immediate_release": _("Onmiddellijke invrijheidsstelling"),
    "pp": _("Zit in of kiest voor een penitentiair programma (PP)"),
}


class CandidateForm(ServiceForm):
    """A referral (casemanager, municipality, probation, court) or an application. The facts
    are what screening needs; the criteria in force on the date of the referral apply."""

    source = forms.ChoiceField(label=_("Herkomst"))
    list_date = _date(_("Datum van verwijzing of aanmelding"),
                      help_text=_("De toelatingscriteria die op deze datum gelden, worden "
                                  "toegepast."))
    participant_ref = forms.CharField(
        label=_("Deelnemernummer"), required=False, max_length=64,
        help_text=_("Als de kandidaat als deelnemer in uw dossiers staat: koppelt de kandidaat "
                    "aan het dossier; geslacht en einddatum komen dan uit het dossier."))
    name = _text(_("Naam"), max_length=200,
                 help_text=_("Leeg laten bij een gekoppelde deelnemer."))
    sex = forms.ChoiceField(label=_("Geslacht"), choices=SEX_CHOICES, initial="unknown")
    sentence_end_on = _date(_("Verwachte einddatum detentie"), required=False)
    life_sentence = forms.BooleanField(label=FLAG_LABELS["life_sentence"], required=False)
    isd = forms.BooleanField(label=FLAG_LABELS["isd"], required=False)
    tbs = forms.BooleanField(label=FLAG_LABELS["tbs"], required=False)
    clinic = forms.BooleanField(label=FLAG_LABELS["clinic"], required=False)
    immediate_release = forms.BooleanField(label=FLAG_LABELS["immediate_release"],
                                           required=False)
    pp = forms.BooleanField(label=FLAG_LABELS["pp"], required=False)
    municipality = _text(_("Gemeente van herkomst of vestiging na vrijlating"), max_length=120)
    dutch_proficiency = forms.ChoiceField(label=_("Beheersing van het Nederlands"),
                                          choices=PROFICIENCY_CHOICES, initial="unknown")
    regime = forms.ChoiceField(label=_("Regime"), choices=REGIME_CHOICES, required=False)
    offence_category = forms.ChoiceField(label=_("Soort delict"), required=False)
    weekly_work_hours = forms.IntegerField(label=_("Uren werk of dagbesteding per week"),
                                           required=False, min_value=0, max_value=80)

    FACTS = ("sex", "sentence_end_on", *ORDER_FLAGS, "municipality", "dutch_proficiency",
             "regime", "offence_category", "weekly_work_hours")

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(value, label) for value, label in Source.choices
                                         if value in sources]
        self.fields["offence_category"].choices = codes.choices("offence_categories",
                                                                blank=_("onbekend"))

    def facts(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in self.FACTS}


class DecisionForm(VersionedForm):
    """The decision in the candidate's current step. A rejection without a written reason is
    refused by the service, next to the reason field."""

    decision = forms.ChoiceField(label=_("Besluit"), choices=Decision.choices,
                                 widget=forms.RadioSelect(attrs=RADIO))
    on = _date(_("Datum van het besluit"))
    decider = _text(_("Besloten door"), max_length=150, required=True,
                    help_text=_("Wie besloot: het overleg of de functionaris, bijvoorbeeld "
                                "'weegtafel 12 maart' of 'selectiefunctionaris DIZ'."))
    reason = _text(_("Motivering"), max_length=4000, rows=4,
                   help_text=_("Verplicht bij een afwijzing: schrijf op waarom."))


class WithdrawForm(VersionedForm):
    on = _date(_("Teruggetrokken op"))
    reason = _text(_("Toelichting"), max_length=2000, rows=3,
                   help_text=_("Bijvoorbeeld wat de kandidaat zelf zei."))


class ReopenForm(VersionedForm):
    on = _date(_("Datum"))
    reason = _text(_("Reden"), max_length=2000, rows=3, required=True)


class PrescanForm(ServiceForm):
    """Minimal disclosure: the partner answers only objection or no objection, with a date.
    There is deliberately no field for content or reasons."""

    partner = forms.ChoiceField(label=_("Ketenpartner"), choices=PrescanPartner.choices)
    objection = forms.TypedChoiceField(
        label=_("Antwoord"), widget=forms.RadioSelect(attrs=RADIO),
        choices=[("no", _("geen bezwaar")), ("yes", _("bezwaar"))],
        coerce=lambda value: value == "yes")
    answered_on = _date(_("Datum van het antwoord"))

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].choices = [c for c in PrescanPartner.choices
                                              if c[0] in partners]


class ExceptionForm(ServiceForm):
    criterion = forms.TypedChoiceField(label=_("Criterium"), coerce=int)
    reason = _text(_("Motivering van de uitzondering"), max_length=2000, rows=3,
                   required=True)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [(c.pk, str(c)) for c in criteria]


class PlaceForm(VersionedForm):
    on = _date(_("Binnenkomst in de voorziening"))
    trial_until = _date(_("Proefperiode tot en met"), required=False,
                        help_text=_("Leeg: geen proefperiode."))


class TrialForm(VersionedForm):
    trial_until = _date(_("Proefperiode tot en met"), required=False,
                        help_text=_("Leeg: geen proefperiode (meer)."))


class TemporaryReturnForm(ServiceForm):
    left_on = _date(_("Tijdelijk teruggeplaatst op"))
    planned_return_on = _date(_("Geplande terugkeer in de voorziening"))
    decided_by = _text(_("Besloten door"), max_length=150, required=True)
    reason = _text(_("Reden"), max_length=2000, rows=3, required=True)


class EndTemporaryReturnForm(ServiceForm):
    returned_on = _date(_("Teruggekeerd op"))


class DefinitiveReturnForm(VersionedForm):
    on = _date(_("Teruggeplaatst op"))
    return_reason = forms.ChoiceField(label=_("Reden van terugplaatsing"))
    decided_by = _text(_("Besloten door"), max_length=150, required=True)
    note = _text(_("Toelichting"), max_length=2000, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["return_reason"].choices = codes.choices("return_reasons", blank=_("kies"))


class OutflowForm(VersionedForm):
    on = _date(_("Vertrokken op"))
    outflow_type = forms.ChoiceField(label=_("Soort uitstroom"))
    housing_destination = _text(_("Woonbestemming na vertrek"), max_length=200,
                                help_text=_("Bijvoorbeeld eigen woning, bij familie, "
                                            "begeleid wonen, maatschappelijke opvang."))
    to_institution = forms.ModelChoiceField(
        label=_("Overgeplaatst naar"), required=False,
        queryset=Institution.objects.filter(active=True).order_by("name"),
        help_text=_("Alleen bij overplaatsing."))
    decided_by = _text(_("Besloten door"), max_length=150)
    note = _text(_("Toelichting"), max_length=2000, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outflow_type"].choices = [
            (code, label) for code, label in codes.choices("outflow_types", blank=_("kies"))
            if code != "returned"]


STATE_FILTERS = [("active", _("in selectie of wacht op plaatsing")), ("all", _("alle")),
                 *CandidateState.choices]


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("Kandidaatnummer of naam"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Status"), required=False, choices=STATE_FILTERS)
    step = forms.ChoiceField(label=_("Stap"), required=False)
    source = forms.ChoiceField(label=_("Herkomst"), required=False)
    outcome = forms.ChoiceField(label=_("Uitkomst screening"), required=False)

    def __init__(self, *args, route=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", _("alle"))] + [(s.code, s.name) for s in route]
        self.fields["source"].choices = [("", _("alle")), *Source.choices]
        self.fields["outcome"].choices = [("", _("alle")), ("eligible", _("voldoet")),
                                          ("not_eligible", _("voldoet niet"))]


class PeriodForm(forms.Form):
    """The dashboard's period. A date left empty takes its default (`defaults`: from, to);
    `period` in the cleaned data is the period that applies, refused when the two cross (also
    when one of them is the default)."""

    date_from = _date(_("Vanaf"), required=False)
    date_to = _date(_("Tot en met"), required=False, help_text=_("Leeg: tot en met vandaag."))

    def __init__(self, *args, defaults, **kwargs):
        self.defaults = defaults
        super().__init__(*args, initial={"date_from": defaults[0], "date_to": defaults[1]},
                         **kwargs)

    def clean(self):
        data = super().clean()
        if "date_from" not in data or "date_to" not in data:
            return data  # a date that is not a date: its own error says so
        date_from = data["date_from"] or self.defaults[0]
        date_to = data["date_to"] or self.defaults[1]
        if date_from > date_to:
            self.add_error("date_to" if data["date_to"] else "date_from", _(
                "De begindatum ligt na de einddatum (%(from)s tot en met %(to)s).") % {
                "from": date_from.isoformat(), "to": date_to.isoformat()})
        data["period"] = (date_from, date_to)
        return data
