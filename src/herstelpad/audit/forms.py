from django import forms
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.models import Action


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Gebruikersnaam"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Actie"), required=False,
                               choices=[("", _("Alle acties"))] + list(Action.choices))
    object_type = forms.CharField(label=_("Soort object"), required=False, max_length=100,
                                  help_text=_("Bijvoorbeeld accounts.user"))
    object_id = forms.CharField(label=_("Object-id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("Vanaf"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Tot en met"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("De einddatum ligt voor de begindatum."))
        return data
