"""Forms of the mediation pages. They parse input; the rules are in `services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import (
    ConversationMode,
    InitiatingParty,
    MessageForm,
    NotAssignedReason,
    PartyKind,
    ReferrerFunction,
    Side,
)
from herstelpad.organisations.models import Institution
from herstelpad.participants.forms import DateInput, ServiceForm, VersionedForm
from herstelpad.reference import codes

NO_VICTIM_DATA_HINT = _("Schrijf hier geen naam of contactgegevens van het slachtoffer; die "
                        "legt de bemiddelaar vast in het afgeschermde deel van de zaak.")


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(),
                           help_text=help_text)


def _sealed(label, *, max_length, required=False, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=widget, help_text=help_text, strip=True)


class ReferForm(ServiceForm):
    """A referral from the dossier (prison staff)."""

    offence_category = forms.ChoiceField(label=_("Soort delict"), required=False)
    matter = _sealed(_("Parketnummer van de strafzaak"), max_length=64,
                     help_text=_("Als u het weet; helpt om een mediation in strafzaken of een "
                                 "dubbele aanmelding te herkennen."))
    referrer_function = forms.ChoiceField(label=_("U meldt aan als"), required=False,
                                          choices=[("", _("mijn functie"))] + [
                                              c for c in ReferrerFunction.choices if c[0] in (
                                                  "casemanager", "herstelconsulent", "chaplain",
                                                  "mentor", "reintegration_trainer")])
    request_note = _sealed(_("Wat wil de deelnemer?"), max_length=2000, rows=4,
                           help_text=NO_VICTIM_DATA_HINT)
    participant_agrees = forms.BooleanField(
        label=_("De deelnemer wil aangemeld worden en weet dat een bemiddelaar contact "
                "opneemt"),
        help_text=_("Deelname is altijd vrijwillig."))
    confirm_duplicate = forms.BooleanField(
        label=_("Toch aanmelden: dit is geen dubbele aanmelding"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offence_category"].choices = codes.choices("offence_categories",
                                                                blank=_("onbekend"))


class CaseForm(ServiceForm):
    """A request registered by the mediation organisation (any channel, either party)."""

    received_on = _date(_("Aangemeld op"))
    channel = forms.ChoiceField(label=_("Aanmeldroute"))
    initiating_party = forms.ChoiceField(label=_("Wie vraagt om bemiddeling?"),
                                         choices=InitiatingParty.choices)
    participant_ref = forms.CharField(
        label=_("Deelnemernummer (dader)"), required=False, max_length=64,
        help_text=_("Als de dader als deelnemer in Herstelpad staat; koppelt de zaak aan het "
                    "dossier."))
    institution = forms.ModelChoiceField(
        label=_("Inrichting"), required=False,
        queryset=Institution.objects.filter(active=True).order_by("name"),
        help_text=_("Verplicht bij aanmelding via een PI of JJI en bij zelfaanmelding."))
    offence_category = forms.ChoiceField(label=_("Soort delict"), required=False)
    matter = _sealed(_("Parketnummer van de strafzaak"), max_length=64)
    referrer_function = forms.ChoiceField(label=_("Functie van de verwijzer"), required=False,
                                          choices=[("", "—"), *ReferrerFunction.choices])
    referrer_name = _sealed(_("Verwijzer"), max_length=200)
    referrer_contact = _sealed(_("Contactgegevens van de verwijzer"), max_length=300)
    contact_person = _sealed(
        _("Contactpersoon in de inrichting"), max_length=300,
        help_text=_("Verplicht bij zelfaanmelding: wie de gedetineerde in de inrichting noemt."))
    request_note = _sealed(_("Toelichting bij de aanmelding"), max_length=2000, rows=4)
    confirm_duplicate = forms.BooleanField(
        label=_("Toch registreren: dit is geen dubbele aanmelding"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = codes.choices("mediation_channels")
        self.fields["offence_category"].choices = codes.choices("offence_categories",
                                                                blank=_("onbekend"))


class CaseEditForm(VersionedForm):
    offence_category = forms.ChoiceField(label=_("Soort delict"), required=False)
    matter = _sealed(_("Parketnummer van de strafzaak"), max_length=64)
    institution = forms.ModelChoiceField(
        label=_("Inrichting"), required=False,
        queryset=Institution.objects.filter(active=True).order_by("name"))
    referrer_function = forms.ChoiceField(label=_("Functie van de verwijzer"), required=False,
                                          choices=[("", "—"), *ReferrerFunction.choices])
    referrer_name = _sealed(_("Verwijzer"), max_length=200)
    referrer_contact = _sealed(_("Contactgegevens van de verwijzer"), max_length=300)
    contact_person = _sealed(_("Contactpersoon in de inrichting"), max_length=300)
    request_note = _sealed(_("Toelichting bij de aanmelding"), max_length=2000, rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offence_category"].choices = codes.choices("offence_categories",
                                                                blank=_("onbekend"))


class StepForm(VersionedForm):
    """One workflow step; the fields depend on the step (`for_action`)."""

    on = _date(_("Datum"))
    mediators = forms.ModelMultipleChoiceField(
        label=_("Bemiddelaar(s)"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Bij meerdere slachtoffers kunnen meerdere bemiddelaars op een zaak."))
    not_assigned_reason = forms.ChoiceField(label=_("Reden"), required=False,
                                            choices=[("", "—"), *NotAssignedReason.choices])
    answer = forms.ChoiceField(label=_("Antwoord van de andere partij"), required=False,
                               choices=[("", "—"), (wf.YES, _("ja")),
                                        (wf.NOT_YET_ANSWER, _("nog niet")), (wf.NO, _("nee"))])
    until = _date(_("Opnieuw benaderen op"), required=False,
                  help_text=_("Alleen bij 'nog niet': wanneer de bemiddelaar het opnieuw "
                              "vraagt (komt op de lijst met herinneringen)."))
    stop_reason = forms.ChoiceField(label=_("Reden van beëindiging zonder contact"),
                                    required=False)
    contact_form = forms.ChoiceField(label=_("Vorm van contact"), required=False)
    location = _sealed(_("Locatie"), max_length=300,
                       help_text=_("Bij een gesprek: waar (meestal in de inrichting)."))
    attendees = _sealed(_("Aanwezig"), max_length=1000, rows=2)
    support_persons = _sealed(_("Steunfiguren"), max_length=1000, rows=2)
    interpreter = forms.BooleanField(label=_("Met tolk"), required=False)
    interpreter_language = _sealed(_("Taal van de tolk"), max_length=64)
    message_kind = forms.ChoiceField(
        label=_("Boodschappen bij pendelbemiddeling"), required=False,
        choices=[("", "—"), ("oral", _("mondeling")), ("video", _("video"))])
    notes = _sealed(_("Aantekeningen bij het contact"), max_length=4000, rows=3)
    reason = _sealed(_("Toelichting"), max_length=2000, rows=3)

    FIELDS = {
        wf.ASSIGN: ("on", "mediators", "reason"),
        wf.REASSIGN: ("on", "mediators", "reason"),
        wf.NOT_ASSIGNED: ("on", "not_assigned_reason", "reason"),
        wf.ANSWER: ("on", "answer", "until", "stop_reason", "reason"),
        wf.RECORD_CONTACT: ("on", "contact_form", "location", "attendees", "support_persons",
                            "interpreter", "interpreter_language", "message_kind", "notes",
                            "reason"),
        wf.END_EARLY: ("on", "stop_reason", "reason"),
    }
    DEFAULT_FIELDS = ("on", "reason")

    def __init__(self, *args, action: str, mediators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        keep = set(self.FIELDS.get(action, self.DEFAULT_FIELDS)) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "mediators" in self.fields:
            self.fields["mediators"].queryset = mediators
            self.fields["mediators"].label_from_instance = lambda u: u.display_name
        if "stop_reason" in self.fields:
            self.fields["stop_reason"].choices = codes.choices("mediation_stop_reasons",
                                                               blank="—")
            if action == wf.ANSWER:
                self.fields["stop_reason"].help_text = _("Alleen bij 'nee'.")
            else:
                self.fields["stop_reason"].help_text = _(
                    "Leeg laten als er al contact is geweest tussen de partijen.")
        if "contact_form" in self.fields:
            self.fields["contact_form"].choices = codes.choices("mediation_contact_forms",
                                                                blank="—")
            self.fields["contact_form"].required = True
        if action in wf.REASON_REQUIRED:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _("Verplicht.")

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {"on": data["on"], "reason": data.get("reason", "")}
        if self.action in (wf.ASSIGN, wf.REASSIGN):
            arguments["mediators"] = list(data.get("mediators") or [])
        if self.action == wf.NOT_ASSIGNED:
            arguments["code"] = data.get("not_assigned_reason", "")
        if self.action == wf.ANSWER:
            arguments["answer"] = data.get("answer", "")
            arguments["until"] = data.get("until")
            arguments["code"] = data.get("stop_reason", "")
        if self.action == wf.END_EARLY:
            arguments["code"] = data.get("stop_reason", "")
        if self.action == wf.RECORD_CONTACT:
            arguments["code"] = data.get("contact_form", "")
            arguments["contact"] = {name: data.get(name) for name in (
                "location", "attendees", "support_persons", "interpreter",
                "interpreter_language", "message_kind", "notes")}
        return arguments


class PartyForm(ServiceForm):
    side = forms.ChoiceField(label=_("Kant"), choices=Side.choices)
    kind = forms.ChoiceField(label=_("Soort"), choices=PartyKind.choices)
    name = _sealed(_("Naam"), max_length=200, required=True)
    address = _sealed(_("Adres"), max_length=300)
    phone = _sealed(_("Telefoon"), max_length=64)
    email = _sealed(_("E-mail"), max_length=200)
    notes = _sealed(_("Aantekeningen"), max_length=2000, rows=3)


class PartyEditForm(VersionedForm, PartyForm):
    pass


class ConversationForm(ServiceForm):
    side = forms.ChoiceField(label=_("Gesprek met"), choices=Side.choices)
    on = _date(_("Datum"))
    mode = forms.ChoiceField(label=_("Hoe"), choices=ConversationMode.choices)
    notes = _sealed(_("Aantekeningen"), max_length=4000, rows=5)


class LetterForm(ServiceForm):
    from_side = forms.ChoiceField(label=_("Van"), choices=Side.choices)
    form = forms.ChoiceField(label=_("Vorm"), choices=MessageForm.choices)
    on = _date(_("Datum"))
    content = _sealed(_("Inhoud"), max_length=20000, rows=8, required=True)


class ConditionForm(ServiceForm):
    side = forms.ChoiceField(label=_("Gesteld door"), choices=Side.choices)
    on = _date(_("Datum"))
    text = _sealed(_("Voorwaarde"), max_length=1000, rows=3, required=True)


class ReopenForm(ServiceForm):
    on = _date(_("Nieuwe aanmelding op"))
    initiating_party = forms.ChoiceField(label=_("Wie vraagt nu om bemiddeling?"),
                                         choices=InitiatingParty.choices)
    channel = forms.ChoiceField(label=_("Aanmeldroute"))
    same_mediators = forms.BooleanField(label=_("Dezelfde bemiddelaar(s) toewijzen"),
                                        required=False, initial=True)
    reason = _sealed(_("Toelichting"), max_length=2000, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = codes.choices("mediation_channels")


class CourtForm(ServiceForm):
    started_on = _date(_("Loopt sinds"))
    offence_category = forms.ChoiceField(label=_("Soort delict"), required=False)
    matter = _sealed(_("Parketnummer van de strafzaak"), max_length=64)
    note = _sealed(_("Toelichting"), max_length=1000, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offence_category"].choices = codes.choices("offence_categories",
                                                                blank=_("onbekend"))


class CourtNewForm(CourtForm):
    participant_ref = forms.CharField(label=_("Deelnemernummer"), max_length=64)
    field_order = ["participant_ref", "started_on", "offence_category", "matter", "note"]


class CourtEndForm(VersionedForm):
    on = _date(_("Afgerond op"))


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Zaaknummer, deelnemernummer of naam"), required=False,
                        max_length=100)
    state = forms.ChoiceField(label=_("Fase"), required=False)
    channel = forms.ChoiceField(label=_("Aanmeldroute"), required=False)
    open_only = forms.BooleanField(label=_("Alleen lopende zaken"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("alle"))] + [
            (state, wf.STATE_LABELS[state]) for state in wf.STATES]
        self.fields["channel"].choices = codes.choices("mediation_channels", blank=_("alle"))
