"""Forms of the dossier pages. They parse and present input; the rules live in the services,
whose ValidationError / ConflictError the views hand back to the form (`ServiceForm`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.accounts.models import Role, User
from herstelpad.organisations.models import Institution
from herstelpad.participants.models import DutchProficiency, KindCheck, RegimeKind, Sex
from herstelpad.reference import codes


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    """A form whose cleaned data goes to a service; the service's errors come back here.

    No HTML `required` attribute: the browser would mark every empty required field as invalid
    before anything was typed. The label's asterisk says what is required; the server checks."""

    use_required_attribute = False

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None
                for error in errors:
                    if target is None and field not in ("__all__", None):
                        label = field.replace("_", " ")
                        self.add_error(None, f"{label}: {error}")
                    else:
                        self.add_error(target, error)
        else:
            for error in exc.messages:
                self.add_error(None, error)


class VersionedForm(ServiceForm):
    """Carries the version the user saw; the service refuses the update if it is stale."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(),
                           help_text=help_text)


YES_NO_UNKNOWN = [("", _("onbekend")), ("yes", _("ja")), ("no", _("nee"))]


def _to_nullable_bool(value: str):
    return {"yes": True, "no": False}.get(value)


def from_nullable_bool(value) -> str:
    return {True: "yes", False: "no"}.get(value, "")


class PersonFields(forms.Form):
    given_name = forms.CharField(label=_("Voornaam"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    birth_date = _date(_("Geboortedatum"), required=False)
    sex = forms.ChoiceField(label=_("Geslacht"), choices=Sex.choices, initial=Sex.UNKNOWN)
    language = forms.CharField(label=_("Taal"), max_length=64, required=False,
                               help_text=_("De taal waarin de deelnemer het best communiceert, "
                                           "bijvoorbeeld Nederlands, Arabisch, Pools."))
    dutch_proficiency = forms.ChoiceField(label=_("Beheersing van het Nederlands"),
                                          choices=DutchProficiency.choices,
                                          initial=DutchProficiency.UNKNOWN)
    lvb_indication = forms.ChoiceField(label=_("Indicatie licht verstandelijke beperking (lvb)"),
                                       choices=YES_NO_UNKNOWN, required=False)
    kind_check = forms.ChoiceField(
        label=_("Kind-check: zorgt de deelnemer voor minderjarige kinderen?"),
        choices=KindCheck.choices, initial=KindCheck.UNKNOWN,
        help_text=_("Vraag dit bij binnenkomst. Een open antwoord blijft zichtbaar als "
                    "aandachtspunt."))
    offence_category = forms.ChoiceField(
        label=_("Delictcategorie"), required=False,
        help_text=_("Van het delict waarvoor de deelnemer nu vastzit. Sommige interventies "
                    "sluiten delicten uit."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "offence_category" in self.fields:
            self.fields["offence_category"].choices = codes.choices("offence_categories",
                                                                    blank=_("onbekend"))

    def person_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in (
            "given_name", "family_name", "birth_date", "sex", "language", "dutch_proficiency",
            "kind_check", "offence_category")}
        data["lvb_indication"] = _to_nullable_bool(self.cleaned_data["lvb_indication"])
        return data


class StayFields(forms.Form):
    legal_status = forms.ChoiceField(label=_("Titel van detentie"), required=False)
    sentence_end_on = _date(_("Verwachte einddatum detentie"), required=False,
                            help_text=_("Bepaalt het strafrestant."))
    unit = forms.CharField(label=_("Afdeling"), max_length=100, required=False)
    aftercare_municipality = forms.CharField(
        label=_("Gemeente van nazorg"), max_length=120, required=False,
        help_text=_("De gemeente waar de deelnemer na detentie gaat wonen."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_status"].choices = codes.choices("legal_statuses", blank=_("onbekend"))

    def stay_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in (
            "legal_status", "sentence_end_on", "unit", "aftercare_municipality")}


class RegisterForm(ServiceForm, PersonFields, StayFields):
    """A new participant with the first stay."""

    institution = forms.ModelChoiceField(label=_("Inrichting"), queryset=Institution.objects.none())
    entered_on = _date(_("Binnengekomen op"))
    field_order = ["given_name", "family_name", "birth_date", "sex", "language",
                   "dutch_proficiency", "lvb_indication", "kind_check", "offence_category",
                   "institution",
                   "entered_on", "legal_status", "sentence_end_on", "unit",
                   "aftercare_municipality"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = policy.visible_institutions(user).filter(
            active=True)


class PersonForm(VersionedForm, PersonFields):
    pass


class AdmitForm(ServiceForm, StayFields):
    """A new stay: a re-admission after release (or an admission that was not registered)."""

    institution = forms.ModelChoiceField(label=_("Inrichting"), queryset=Institution.objects.none())
    entered_on = _date(_("Binnengekomen op"))
    field_order = ["institution", "entered_on", "legal_status", "sentence_end_on", "unit",
                   "aftercare_municipality"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = policy.visible_institutions(user).filter(
            active=True)


class StayForm(VersionedForm, StayFields):
    pass


class TransferForm(VersionedForm):
    to_institution = forms.ModelChoiceField(label=_("Naar inrichting"),
                                            queryset=Institution.objects.filter(active=True))
    on = _date(_("Datum van overplaatsing"))
    unit = forms.CharField(label=_("Afdeling in de nieuwe inrichting"), max_length=100,
                           required=False)
    outflow_type = forms.ChoiceField(label=_("Soort overplaatsing"), choices=[
        ("transferred", _("Overgeplaatst")),
        ("returned", _("Teruggeplaatst naar de PI (vanuit een voorziening)"))])
    return_reason = forms.ChoiceField(label=_("Reden van terugplaatsing"), required=False,
                                      help_text=_("Alleen bij terugplaatsing."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["return_reason"].choices = codes.choices("return_reasons", blank="—")


class ReleaseForm(VersionedForm):
    on = _date(_("Vertrokken op"))
    outflow_type = forms.ChoiceField(label=_("Soort uitstroom"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outflow_type"].choices = [
            choice for choice in codes.choices("outflow_types", blank=_("kies"))
            if choice[0] not in ("transferred", "returned")]


class RegimeForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Stap"), choices=RegimeKind.choices)
    on = _date(_("Datum"))
    regime = forms.ChoiceField(label=_("Regime bij de start"), required=False,
                               help_text=_("Alleen bij de start van het regime."))
    reason = forms.CharField(label=_("Reden"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("Verplicht bij promotie, degradatie en uitsluiting."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regime"].choices = codes.choices("regimes", blank="—")


class AssignForm(ServiceForm):
    user = forms.ModelChoiceField(label=_("Medewerker"), queryset=User.objects.none())
    starts_on = _date(_("Vanaf"))

    def __init__(self, *args, institution=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(is_active=True, role__in=[Role.CASEMANAGER, Role.MENTOR])
        if institution is not None:
            ids = [institution.pk] + ([institution.parent_id] if institution.parent_id else [])
            qs = qs.filter(institutions__in=ids).distinct()
        else:
            qs = qs.none()
        self.fields["user"].queryset = qs.order_by("last_name", "first_name")
        self.fields["user"].label_from_instance = (
            lambda u: f"{u.display_name} ({u.role_label.lower()})")


class EndAssignmentForm(VersionedForm):
    on = _date(_("Tot en met"))


class NoteForm(ServiceForm):
    text = forms.CharField(
        label=_("Notitie"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        help_text=_("Kort en feitelijk, voor het team op de afdeling, bijvoorbeeld: "
                    "'Verlofaanvraag met hem besproken.' Nooit de inhoud van gesprekken met de "
                    "geestelijke verzorging of met vrijwilligers: die zijn vertrouwelijk."))
    confirmed = forms.BooleanField(
        label=_("Deze notitie bevat geen inhoud van gesprekken met de geestelijke verzorging of "
                "met vrijwilligers."), required=False)


class NoteSearchForm(forms.Form):
    q = forms.CharField(label=_("Zoek in notities"), required=False, max_length=200)


class CaseloadForm(forms.Form):
    scope = forms.ChoiceField(label=_("Wie"), required=False, choices=[
        ("mine", _("Mijn caseload")), ("all", _("Iedereen op mijn inrichtingen"))])
    presence = forms.ChoiceField(label=_("Aanwezig"), required=False, choices=[
        ("present", _("Nu in detentie")), ("left", _("Vertrokken")), ("all", _("Allemaal"))])
    attention = forms.ChoiceField(label=_("Aandacht nodig"), required=False, choices=[
        ("", _("Alles tonen")), ("plan_overdue", _("D&R-plan te laat")),
        ("review_overdue", _("Trajectgesprek te laat")),
        ("actions_overdue", _("Acties over tijd"))])
    institution = forms.ModelChoiceField(label=_("Inrichting"), required=False,
                                         queryset=Institution.objects.none(),
                                         empty_label=_("Alle inrichtingen"))
    unit = forms.CharField(label=_("Afdeling"), required=False, max_length=100)
    q = forms.CharField(label=_("Naam of nummer"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sorteren op"), required=False, choices=[
        ("name", _("Naam")), ("remaining", _("Strafrestant (kortste eerst)")),
        ("plan", _("Termijn D&R-plan")), ("review", _("Volgend trajectgesprek")),
        ("arrival", _("Binnenkomst (nieuwste eerst)"))])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = policy.visible_institutions(user).order_by("name")

