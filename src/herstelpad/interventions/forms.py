"""Forms of the intervention pages. They parse and present input; the rules live in the
services, whose errors come back to the form (`ServiceForm`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.interventions.models import (
    OFFERED_STATUSES,
    AttendanceStatus,
    AvailabilityStatus,
    DecidedBy,
    Edition,
    Format,
    Intervention,
)
from herstelpad.interventions.services import REQUIREMENTS
from herstelpad.organisations.models import Institution, Organisation
from herstelpad.participants.forms import DateInput, ServiceForm, VersionedForm
from herstelpad.reference import codes


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(),
                           help_text=help_text)


class CatalogueForm(forms.Form):
    """The catalogue's filters (GET)."""

    institution = forms.ChoiceField(label=_("Inrichting"), required=False)
    layer = forms.ChoiceField(label=_("Herstellaag"), required=False)
    theme = forms.ChoiceField(label=_("Basisvoorwaarde of thema"), required=False)
    age = forms.ChoiceField(label=_("Leeftijd"), required=False, choices=[
        ("", _("alle")), ("adults", _("volwassenen")), ("juveniles", _("jeugdigen"))])
    sex = forms.ChoiceField(label=_("Doelgroep"), required=False, choices=[
        ("", _("iedereen")), ("men", _("mannen")), ("women", _("vrouwen"))])
    format = forms.ChoiceField(label=_("Vorm"), required=False)
    provider = forms.ChoiceField(label=_("Aanbieder"), required=False)
    status = forms.ChoiceField(label=_("Status in de inrichting"), required=False, choices=[
        ("", _("loopt, incidenteel of start binnenkort")), ("active", _("loopt")),
        ("stopped", _("gestopt")), ("all", _("alle"))])
    q = forms.CharField(label=_("Zoekwoorden"), required=False, max_length=100)
    deelnemer = forms.ChoiceField(
        label=_("Past bij deelnemer"), required=False,
        help_text=_("Toont per interventie of die past en waarom niet."))
    alleen_passend = forms.BooleanField(label=_("Alleen wat past"), required=False)

    ALL = "alle"

    def __init__(self, *args, user=None, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(self.ALL, _("alle inrichtingen"))] + [
            (i.code, i.name) for i in Institution.objects.filter(active=True).order_by("name")]
        self.fields["layer"].choices = codes.choices("restoration_layers", blank=_("alle"))
        self.fields["theme"].choices = codes.choices("basic_conditions", blank=_("alle")) + [
            ("restoration", _("Herstel"))]
        self.fields["format"].choices = [("", _("alle"))] + list(Format.choices)
        self.fields["provider"].choices = [
            ("", _("alle")), ("institution", _("de inrichting zelf")),
            ("court", _("rechtbank")), ("other", _("andere aanbieder"))] + [
            (o.code, o.name) for o in Organisation.objects.filter(
                interventions__isnull=False).distinct().order_by("name")]
        if participants:
            self.fields["deelnemer"].choices = [("", _("geen"))] + [
                (p.ref, f"{p.sort_name} ({p.ref})") for p in participants]
        else:
            del self.fields["deelnemer"]
            del self.fields["alleen_passend"]


class InterventionForm(VersionedForm):
    description = forms.CharField(
        label=_("Beschrijving voor medewerkers"), required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Wat de deelnemer doet, voor wie het bedoeld is en hoe u aanmeldt."))
    evaluation_status = forms.CharField(
        label=_("Evaluatiestatus"), required=False, max_length=200,
        help_text=_("Bijvoorbeeld: erkend door de Erkenningscommissie, in onderzoek, niet "
                    "geëvalueerd."))
    requires = forms.MultipleChoiceField(
        label=_("Voorwaarden voor deelname"), required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(key, label) for key, label in REQUIREMENTS.items()])


class AvailabilityForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=AvailabilityStatus.choices)
    starts_on = _date(_("Vanaf"), required=False)
    ends_on = _date(_("Tot en met"), required=False,
                    help_text=_("Verplicht als het aanbod gestopt is."))
    contact_person = forms.CharField(
        label=_("Contactpersoon"), required=False, max_length=200,
        help_text=_("Naam en bereikbaarheid van wie het aanbod in deze inrichting kent."))

    def __init__(self, *args, new=False, **kwargs):
        super().__init__(*args, **kwargs)
        if new:  # a new row has no version yet
            del self.fields["version"]


class EditionFields(forms.Form):
    starts_on = _date(_("Begint op"))
    ends_on = _date(_("Eindigt op"), required=False)
    capacity = forms.IntegerField(label=_("Plaatsen"), required=False, min_value=1,
                                  max_value=500,
                                  help_text=_("Leeg: de groepsgrootte uit de catalogus."))
    sessions = forms.IntegerField(label=_("Aantal bijeenkomsten"), required=False, min_value=1,
                                  max_value=500)
    leaders = forms.CharField(label=_("Trainers of begeleiders"), required=False,
                              max_length=300)
    location = forms.CharField(label=_("Plaats in de inrichting"), required=False,
                               max_length=200)
    notes = forms.CharField(label=_("Toelichting"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def edition_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in (
            "starts_on", "ends_on", "capacity", "sessions", "leaders", "location", "notes")}


class EditionCreateForm(ServiceForm, EditionFields):
    intervention = forms.ModelChoiceField(label=_("Interventie"),
                                          queryset=Intervention.objects.none())
    institution = forms.ModelChoiceField(label=_("Inrichting"),
                                         queryset=Institution.objects.none())
    field_order = ["intervention", "institution", "starts_on", "ends_on", "capacity",
                   "sessions", "leaders", "location", "notes"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        interventions = Intervention.objects.filter(active=True).select_related("provider")
        if user.role == "course_provider":
            interventions = interventions.filter(provider_id=user.organisation_id)
            institutions = Institution.objects.filter(active=True)
        else:
            interventions = interventions.filter(provider__isnull=True)
            institutions = policy.visible_institutions(user).filter(active=True)
        self.fields["intervention"].queryset = interventions.order_by("name")
        self.fields["institution"].queryset = institutions.order_by("name")


class EditionForm(VersionedForm, EditionFields):
    pass


class ReferForm(ServiceForm):
    """Refer a participant: to an edition, or to the waiting list of an offer."""

    target = forms.ChoiceField(label=_("Waarvoor"))
    on = _date(_("Aangemeld op"))
    reason = forms.CharField(label=_("Waarom deze interventie?"), required=False,
                             max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    objection = forms.BooleanField(
        label=_("De deelnemer maakt bezwaar tegen registratie van deze deelname in het "
                "D&R-plan"), required=False,
        help_text=_("Dan ziet de inrichting deze deelname niet; de aanbieder wel."))

    def __init__(self, *args, targets=(), may_object=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("kies"))] + list(targets)
        if not may_object:
            del self.fields["objection"]


class EnrolForm(ServiceForm):
    """Enrol a participant of the institution in this edition."""

    participant = forms.ChoiceField(label=_("Deelnemer"))
    on = _date(_("Aangemeld op"))
    reason = forms.CharField(label=_("Toelichting"), required=False, max_length=500)
    objection = ReferForm.base_fields["objection"]

    def __init__(self, *args, participants=(), may_object=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].choices = [("", _("kies"))] + [
            (p.ref, f"{p.sort_name} ({p.ref})") for p in participants]
        if not may_object:
            del self.fields["objection"]


class StepForm(VersionedForm):
    """One step of the workflow; the fields shown depend on the step."""

    on = _date(_("Datum"))
    decided_by = forms.ChoiceField(label=_("Besloten door"), choices=DecidedBy.choices)
    edition = forms.ModelChoiceField(label=_("Editie"), queryset=Edition.objects.none())
    outcome = forms.ChoiceField(label=_("Uitkomst"))
    reason = forms.CharField(label=_("Reden"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = {
        "intake": ("on", "reason"),
        "approve": ("on", "decided_by", "reason"),
        "reject": ("on", "decided_by", "reason"),
        "place": ("on", "edition", "reason"),
        "start": ("on", "reason"),
        "complete": ("on", "reason"),
        "end": ("on", "outcome", "reason"),
    }

    def __init__(self, *args, action, editions=None, outcomes=(), manager=True, **kwargs):
        super().__init__(*args, **kwargs)
        keep = {"version", *self.FIELDS[action]}
        if not manager and "decided_by" in keep:
            keep.discard("decided_by")  # prison staff record the MDO's decision
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "edition" in self.fields:
            self.fields["edition"].queryset = editions
        if "outcome" in self.fields:
            self.fields["outcome"].choices = [("", _("kies"))] + list(outcomes)
        if action in ("approve", "reject", "end"):
            self.fields["reason"].required = True


class CertificateForm(VersionedForm):
    on = _date(_("Uitgereikt op"), required=False,
               help_text=_("Leeg: er is (nog) geen certificaat uitgereikt."))


class ContentForm(VersionedForm):
    text = forms.CharField(
        label=_("Inhoudelijke terugkoppeling"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Bijvoorbeeld het evaluatieformulier of het herstelplan. De inrichting ziet "
                    "dit alleen als de deelnemer daarvoor toestemming gaf."))


class GoalLinkForm(VersionedForm):
    goal = forms.ChoiceField(label=_("Doel in het plan"), required=False)

    def __init__(self, *args, goals=(), domain_labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        domain_labels = domain_labels or {}
        self.fields["goal"].choices = [("", _("geen doel"))] + [
            (g.ref, f"{domain_labels.get(g.domain, g.domain)}: {g.description[:80]}")
            for g in goals]


class SessionForm(ServiceForm):
    number = forms.IntegerField(label=_("Bijeenkomst nummer"), min_value=1, max_value=500)
    held_on = _date(_("Gehouden op"))
    topic = forms.CharField(label=_("Onderwerp"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, enrolments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment_fields = []
        for enrolment in enrolments:
            name = f"attendance_{enrolment.pk}"
            # No default: "present" for someone who was not there is the worst mistake here.
            self.fields[name] = forms.ChoiceField(
                label=enrolment.participant.sort_name,
                choices=[("", _("kies")), *AttendanceStatus.choices])
            self.enrolment_fields.append((name, enrolment))

    def attendance(self) -> dict[int, str]:
        return {enrolment.pk: self.cleaned_data[name]
                for name, enrolment in self.enrolment_fields}


OFFER_STATUSES = OFFERED_STATUSES
