"""Forms of the plan pages (parsing and presentation only; the rules are in `services`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from herstelpad.participants.forms import DateInput, ServiceForm, VersionedForm
from herstelpad.plans.models import GoalStatus, ReviewKind, SetBy, SignOff
from herstelpad.reference import codes


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(),
                           help_text=help_text)


class DomainChoiceMixin:
    def _domains(self):
        self.fields["domain"].choices = codes.choices("domains", blank="—")


class GoalForm(DomainChoiceMixin, ServiceForm):
    domain = forms.ChoiceField(label=_("Leefgebied"))
    description = forms.CharField(
        label=_("Doel in de eigen woorden van de deelnemer"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Schrijf op wat de deelnemer zelf zegt, bijvoorbeeld: 'Ik wil na mijn "
                    "vrijlating een eigen kamer in Enschede.'"))
    set_by = forms.ChoiceField(label=_("Wie heeft dit doel opgesteld?"),
                               choices=[("", "—"), *SetBy.choices], required=False)
    set_on = _date(_("Afgesproken op"))
    action_description = forms.CharField(
        label=_("Eerste actie (mag leeg blijven)"), max_length=500, required=False,
        help_text=_("Een concrete stap, bijvoorbeeld: 'Inschrijven bij woningcorporatie'."))
    action_responsible = forms.CharField(label=_("Wie doet de actie?"), max_length=200,
                                         required=False,
                                         help_text=_("Een persoon of partner."))
    action_due_on = _date(_("Actie uiterlijk op"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._domains()

    def clean(self):
        data = super().clean()
        if data.get("action_description") and not data.get("action_responsible"):
            self.add_error("action_responsible", _("Wie doet deze actie?"))
        if (data.get("action_responsible") or data.get("action_due_on")) and not data.get(
                "action_description"):
            self.add_error("action_description", _("Beschrijf de actie."))
        return data


class GoalEditForm(DomainChoiceMixin, VersionedForm):
    domain = forms.ChoiceField(label=_("Leefgebied"))
    description = forms.CharField(label=_("Doel in de eigen woorden van de deelnemer"),
                                  max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    set_by = forms.ChoiceField(label=_("Wie heeft dit doel opgesteld?"),
                               choices=[("", "—"), *SetBy.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._domains()


class GoalStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Nieuwe stand van zaken"), choices=GoalStatus.choices)
    on = _date(_("Datum"))
    reason = forms.CharField(label=_("Reden of toelichting"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Verplicht bij niet behaald, vervallen en "
                                         "heropenen."))


class RatingForm(VersionedForm):
    rating = forms.TypedChoiceField(
        label=_("In hoeverre is het doel behaald? (oordeel bij uitstroom)"), coerce=int,
        empty_value=None, required=False,
        choices=[("", _("nog geen oordeel")), (1, _("1 — niet gehaald")), (2, "2"), (3, "3"),
                 (4, "4"), (5, _("5 — volledig gehaald"))])


class ActionForm(ServiceForm):
    description = forms.CharField(label=_("Actie"), max_length=500)
    responsible = forms.CharField(label=_("Wie doet het?"), max_length=200,
                                  help_text=_("Een persoon of partner, bijvoorbeeld: de "
                                              "deelnemer, de mentor, gemeente Enschede."))
    due_on = _date(_("Uiterlijk op"), required=False)


class ActionEditForm(VersionedForm, ActionForm):
    done_on = _date(_("Gedaan op"), required=False,
                    help_text=_("Leeg laten zolang de actie nog niet gedaan is."))


class ActionDoneForm(VersionedForm):
    done_on = _date(_("Gedaan op"))


class VersionForm(ServiceForm):
    summary = forms.CharField(
        label=_("Samenvatting en afspraken"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Wat is afgesproken over de detentie en de terugkeer? De doelen van deze "
                    "detentieperiode gaan mee in deze versie."))
    established_on = _date(_("Vastgesteld op"))


class SignOffForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Ondertekening"), choices=[
        (SignOff.SIGNED, SignOff.SIGNED.label), (SignOff.DECLINED, SignOff.DECLINED.label)])
    on = _date(_("Datum"))
    note = forms.CharField(label=_("Toelichting"), max_length=500, required=False,
                           help_text=_("Verplicht als de deelnemer niet wil ondertekenen."))


class StrengthsForm(ServiceForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    current_situation = forms.CharField(label=_("Hoe gaat het nu?"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    wishes = forms.CharField(label=_("Wat wil ik?"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    resources = forms.CharField(
        label=_("Wat helpt mij? Mijn krachten, mensen om mij heen, middelen"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Soort"), choices=ReviewKind.choices)
    held_on = _date(_("Gehouden op"))
    attendees = forms.CharField(label=_("Aanwezig"), max_length=500,
                                help_text=_("Bijvoorbeeld: deelnemer, casemanager, mentor, "
                                            "reclassering, gemeente."))
    decisions = forms.CharField(label=_("Besluiten en afspraken"),
                                widget=forms.Textarea(attrs={"rows": 5}))
    next_review_on = _date(_("Volgend gesprek"), required=False,
                           help_text=_("Leeg laten: over zes weken."))
