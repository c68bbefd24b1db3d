from django import forms
from django.utils.translation import gettext_lazy as _

from herstelpad.consent.models import Kind, Purpose
from herstelpad.organisations.models import Organisation
from herstelpad.participants.forms import ServiceForm, VersionedForm

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "input_formats": ["%Y-%m-%d"]}


class ConsentForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Soort"), choices=Kind.choices, initial=Kind.CONSENT)
    purpose = forms.ChoiceField(label=_("Doel"), choices=Purpose.choices)
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Organisation.objects.filter(active=True),
        empty_label=_("alle betrokken partners"))
    subject = forms.CharField(
        label=_("Waarover"), required=False, max_length=64,
        help_text=_("Bijvoorbeeld de code van een interventie (puinruimen); leeg: alles binnen "
                    "dit doel."))
    data_description = forms.CharField(label=_("Welke gegevens"), required=False,
                                       max_length=300)
    given_on = forms.DateField(label=_("Gegeven op"), **DATE)
    valid_until = forms.DateField(label=_("Geldig tot en met"), required=False, **DATE,
                                  help_text=_("Leeg: tot de deelnemer het intrekt."))
    evidence = forms.CharField(
        label=_("Vastgelegd als"), max_length=300,
        help_text=_("Bijvoorbeeld: ondertekend formulier in het dossier; mondeling in het "
                    "trajectgesprek."))


class WithdrawForm(VersionedForm):
    on = forms.DateField(label=_("Ingetrokken op"), **DATE)
    reason = forms.CharField(label=_("Reden (als de deelnemer die geeft)"), required=False,
                             max_length=300)
    delete_collected = forms.BooleanField(
        label=_("De deelnemer wil dat de al verzamelde gegevens worden verwijderd"),
        required=False)
