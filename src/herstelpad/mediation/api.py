"""API of herstelbemiddeling.

- `/api/mediation/referrals/` — the prison side (`mediation.status`; referring needs
  `mediation.refer`): facts only, consent-filtered, exactly what the dossier tab shows
  (`prison.py`).
- `/api/mediation/cases/` — the mediation organisation's case management (`mediation.work`):
  process facts of the organisation's cases; the sealed facts, the step reasons and the parties
  only for mediators on the case; steps, reopening and corrections through the services
  (HTTP 409 for a stale `version`).
- `/api/mediation/court-mediations/` — running court mediations (mediators).
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from herstelpad import policy
from herstelpad.accounts.models import User
from herstelpad.audit import services as audit
from herstelpad.mediation import prison, services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import (
    CaseMediator,
    CaseStep,
    CourtMediation,
    InitiatingParty,
    MediationCase,
    Party,
    PartyKind,
    ReferrerFunction,
    Side,
)
from herstelpad.organisations.models import Institution
from herstelpad.participants.api import CONFLICT, ServiceAPIMixin, participant_in_scope
from herstelpad.participants.models import Participant


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _duplicates_response(exc: services.PossibleDuplicates, user):
    return Response({
        "non_field_errors": list(exc.messages), "code": "possible_duplicate",
        "duplicates": [r.as_dict() for r in prison.referrals(
            user, qs=MediationCase.objects.filter(pk__in=[c.pk for c in exc.visible]))]
        if policy.has_perm(user, "mediation.status")
        else [c.ref for c in exc.visible]}, status=status.HTTP_400_BAD_REQUEST)


# --- Prison side ------------------------------------------------------------------------------

class ReferralCreateSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=64)
    participant_agrees = serializers.BooleanField(
        help_text="the participant wants the referral (participation is voluntary)")
    offence_category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    matter = serializers.CharField(max_length=64, required=False, allow_blank=True)
    request_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    referrer_function = serializers.ChoiceField(choices=ReferrerFunction.choices,
                                                required=False, allow_blank=True)
    confirm_duplicate = serializers.BooleanField(required=False, default=False)


@extend_schema_view(
    list=extend_schema(summary="Referrals and cases the prison may know of (facts only)",
                       operation_id="mediation_referrals_list",
                       parameters=[OpenApiParameter("participant", str,
                                                    description="participant ref")],
                       responses=OpenApiTypes.OBJECT),
    retrieve=extend_schema(summary="One case as the prison may see it",
                           responses=OpenApiTypes.OBJECT),
)
class ReferralViewSet(ServiceAPIMixin, viewsets.ViewSet):
    """What the dossier tab shows: that a case exists, its phase in plain words and whether
    contact took place — only with the participant's consent; otherwise only the referrer
    learns that the referral was received. Never anything of the victim."""

    permission = "mediation.status"
    permission_by_action = {"create": "mediation.refer"}
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"

    def list(self, request):
        participant = None
        if request.query_params.get("participant"):
            participant = participant_in_scope(request, request.query_params["participant"])
        rows = prison.referrals(request.user, participant)
        audit.record_list(MediationCase, count=len(rows), purpose="api")
        return Response({"count": len(rows), "results": [r.as_dict() for r in rows]})

    def retrieve(self, request, ref=None):
        case = policy.get_object(request.user, MediationCase.objects.all(), ref=ref)
        rows = prison.referrals(request.user, qs=MediationCase.objects.filter(pk=case.pk))
        return Response(rows[0].as_dict())

    @extend_schema(summary="Refer a participant for herstelbemiddeling",
                   request=ReferralCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    @sensitive_variables()
    def create(self, request):
        data = _validated(ReferralCreateSerializer, request.data)
        participant = participant_in_scope(request, data.pop("participant"))
        try:
            case = services.refer(participant, actor=request.user, **data)
        except services.PossibleDuplicates as exc:
            return _duplicates_response(exc, request.user)
        rows = prison.referrals(request.user, qs=MediationCase.objects.filter(pk=case.pk))
        return Response(rows[0].as_dict(), status=status.HTTP_201_CREATED)


# --- The mediation organisation -----------------------------------------------------------------

class CaseSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.ref", read_only=True,
                                        allow_null=True)
    institution = serializers.CharField(source="institution.code", read_only=True,
                                        allow_null=True)
    reopens = serializers.CharField(source="reopens.ref", read_only=True, allow_null=True)
    possible_duplicate_of = serializers.CharField(source="possible_duplicate_of.ref",
                                                  read_only=True, allow_null=True)

    class Meta:
        model = MediationCase
        fields = ["ref", "participant", "institution", "received_on", "channel",
                  "initiating_party", "referrer_function", "offence_category", "state",
                  "state_since", "assigned_on", "closed_on", "not_assigned_reason",
                  "contact_form", "stop_reason", "approach_again_on", "reopens",
                  "possible_duplicate_of", "source", "version"]
        read_only_fields = fields


SEALED_CASE_FIELDS = ("referrer_name", "referrer_contact", "contact_person", "matter",
                      "request_note")


@sensitive_variables()
def case_detail(user, case: MediationCase) -> dict:
    """A case for a mediator: the facts; with the compartment (sealed facts, step reasons)
    only for a mediator on the case."""
    data = dict(CaseSerializer(case).data)
    data["mediators"] = [
        {"username": m.user.username, "name": m.user.display_name,
         "assigned_on": m.assigned_on, "ended_on": m.ended_on}
        for m in policy.scope(user, CaseMediator.objects.filter(case=case))
        .select_related("user")]
    on_case = services.is_on_case(user, case)
    data["on_case"] = on_case
    data["allowed_actions"] = [a for a in wf.allowed_actions(services.case_state(case))
                               if on_case or a in services.ANYONE_IN_ORGANISATION] \
        if case.source == "app" else []
    if on_case:
        data.update({name: getattr(case, name) for name in SEALED_CASE_FIELDS})
        data["steps"] = [
            {"action": s.action, "on": s.on, "from_state": s.from_state,
             "to_state": s.to_state, "code": s.code, "answer": s.answer, "until": s.until,
             "reason": s.reason, "by": s.actor_label}
            for s in policy.scope(user, CaseStep.objects.filter(case=case)).order_by("on", "id")]
    return data


class CaseCreateSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    channel = serializers.CharField(max_length=64)
    initiating_party = serializers.ChoiceField(choices=InitiatingParty.choices)
    participant = serializers.CharField(max_length=64, required=False, allow_blank=True)
    institution = serializers.SlugRelatedField(slug_field="code", required=False,
                                               allow_null=True,
                                               queryset=Institution.objects.all())
    offence_category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    matter = serializers.CharField(max_length=64, required=False, allow_blank=True)
    referrer_function = serializers.ChoiceField(choices=ReferrerFunction.choices,
                                                required=False, allow_blank=True)
    referrer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    referrer_contact = serializers.CharField(max_length=300, required=False, allow_blank=True)
    contact_person = serializers.CharField(max_length=300, required=False, allow_blank=True)
    request_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    confirm_duplicate = serializers.BooleanField(required=False, default=False)


class CaseUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    offence_category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    matter = serializers.CharField(max_length=64, required=False, allow_blank=True)
    institution = serializers.SlugRelatedField(slug_field="code", required=False,
                                               allow_null=True,
                                               queryset=Institution.objects.all())
    referrer_function = serializers.ChoiceField(choices=ReferrerFunction.choices,
                                                required=False, allow_blank=True)
    referrer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    referrer_contact = serializers.CharField(max_length=300, required=False, allow_blank=True)
    contact_person = serializers.CharField(max_length=300, required=False, allow_blank=True)
    request_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ContactSerializer(serializers.Serializer):
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    attendees = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    support_persons = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    interpreter = serializers.BooleanField(required=False, default=False)
    interpreter_language = serializers.CharField(max_length=64, required=False,
                                                 allow_blank=True)
    message_kind = serializers.ChoiceField(choices=["", "oral", "video"], required=False)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class StepSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=[a for a in wf.ACTIONS if a != wf.REGISTER])
    on = serializers.DateField()
    code = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                 help_text="not-assigned reason, stop reason or contact form")
    answer = serializers.ChoiceField(choices=["", *wf.ANSWERS], required=False)
    until = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    mediators = serializers.ListField(child=serializers.CharField(max_length=150),
                                      required=False, help_text="user names (assign, reassign)")
    contact = ContactSerializer(required=False)


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "side", "kind", "name", "address", "phone", "email", "notes",
                  "version"]
        read_only_fields = ["id", "version"]


class PartyCreateSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Side.choices)
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    email = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReopenSerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    initiating_party = serializers.ChoiceField(choices=InitiatingParty.choices, required=False)
    channel = serializers.CharField(max_length=64, required=False)
    same_mediators = serializers.BooleanField(required=False, default=True)


@extend_schema_view(
    list=extend_schema(summary="The organisation's cases (process facts)",
                       parameters=[OpenApiParameter("state", str),
                                   OpenApiParameter("channel", str),
                                   OpenApiParameter("participant", str),
                                   OpenApiParameter("mine", bool,
                                                    description="only cases I am on")]),
    retrieve=extend_schema(summary="One case (sealed facts only for mediators on it)",
                           responses=OpenApiTypes.OBJECT),
)
class CaseViewSet(ServiceAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission = "mediation.work"
    serializer_class = CaseSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return MediationCase.objects.select_related(
            "participant", "institution", "reopens", "possible_duplicate_of").order_by(
            "-received_on", "-id")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def get_object(self):
        return self.audited_object(self.base_queryset(), ref=self.kwargs["ref"])

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        params = request.query_params
        if params.get("state"):
            qs = qs.filter(state=params["state"])
        if params.get("channel"):
            qs = qs.filter(channel=params["channel"])
        if params.get("participant"):
            qs = qs.filter(participant__ref=params["participant"])
        if params.get("mine") in ("true", "1", "yes"):
            qs = qs.filter(mediators__user=request.user, mediators__ended_on__isnull=True)
        return self.audited_page(qs, CaseSerializer)

    def retrieve(self, request, ref=None):
        return Response(case_detail(request.user, self.get_object()))

    @extend_schema(summary="Register a request (any channel, either party)",
                   request=CaseCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    @sensitive_variables()
    def create(self, request):
        data = _validated(CaseCreateSerializer, request.data)
        participant = None
        participant_ref = data.pop("participant", "")
        if participant_ref:
            participant = Participant.objects.filter(ref=participant_ref).first()
            if participant is None:
                raise ValidationError({"participant": ["Onbekend deelnemernummer."]})
        try:
            case = services.register_case(actor=request.user, participant=participant, **data)
        except services.PossibleDuplicates as exc:
            return _duplicates_response(exc, request.user)
        return Response(case_detail(request.user, case), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Correct a case's facts (send the version you read)",
                   request=CaseUpdateSerializer, responses={200: OpenApiTypes.OBJECT, **CONFLICT})
    @sensitive_variables()
    def partial_update(self, request, ref=None):
        case = self.get_object()
        data = _validated(CaseUpdateSerializer, request.data)
        version = data.pop("version")
        services.update_case(case, actor=request.user, expected_version=version, **data)
        return Response(case_detail(request.user, case))

    @extend_schema(summary="Record a workflow step (send the case's version)",
                   request=StepSerializer, responses={201: OpenApiTypes.OBJECT, **CONFLICT})
    @action(detail=True, methods=["post"])
    @sensitive_variables()
    def steps(self, request, ref=None):
        case = self.get_object()
        data = _validated(StepSerializer, request.data)
        usernames = data.pop("mediators", [])
        mediators = list(User.objects.filter(username__in=usernames))
        if len(mediators) != len(set(usernames)):
            raise ValidationError({"mediators": ["Onbekende gebruikersnaam."]})
        version = data.pop("version")
        services.take_step(case, actor=request.user, expected_version=version,
                           mediators=mediators, **data)
        case.refresh_from_db()
        return Response(case_detail(request.user, case), status=status.HTTP_201_CREATED)

    @extend_schema(summary="The parties of a case (mediators on the case only)",
                   request=PartyCreateSerializer, responses={200: PartySerializer(many=True),
                                                             201: PartySerializer})
    @action(detail=True, methods=["get", "post"])
    @sensitive_variables()
    def parties(self, request, ref=None):
        case = self.get_object()
        services.require_on_case(request.user, case)
        if request.method == "POST":
            data = _validated(PartyCreateSerializer, request.data)
            party = services.add_party(case, actor=request.user, **data)
            return Response(PartySerializer(party).data, status=status.HTTP_201_CREATED)
        parties = list(policy.scope(request.user, Party.objects.filter(case=case)))
        audit.record_list(Party, count=len(parties), purpose="api", details={"case": case.pk})
        return Response(PartySerializer(parties, many=True).data)

    @extend_schema(summary="Reopen a closed case as a new, linked case",
                   request=ReopenSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    @sensitive_variables()
    def reopen(self, request, ref=None):
        case = self.get_object()
        data = _validated(ReopenSerializer, request.data)
        new = services.reopen(case, actor=request.user, **data)
        return Response(case_detail(request.user, new), status=status.HTTP_201_CREATED)


class CourtMediationSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.ref", read_only=True)

    class Meta:
        model = CourtMediation
        fields = ["id", "participant", "offence_category", "matter", "started_on", "ended_on",
                  "note", "version"]
        read_only_fields = fields


class CourtCreateSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=64)
    started_on = serializers.DateField()
    offence_category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    matter = serializers.CharField(max_length=64, required=False, allow_blank=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class CourtEndSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    on = serializers.DateField()


class CourtMediationViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    permission = "mediation.work"
    serializer_class = CourtMediationSerializer

    def base_queryset(self):
        return CourtMediation.objects.select_related("participant")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        return self.audited_page(self.get_queryset(), CourtMediationSerializer)

    def get_object(self):
        return self.audited_object(self.base_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="Register a running court mediation", request=CourtCreateSerializer,
                   responses={201: CourtMediationSerializer})
    @sensitive_variables()
    def create(self, request):
        data = _validated(CourtCreateSerializer, request.data)
        participant = Participant.objects.filter(ref=data.pop("participant")).first()
        if participant is None:
            raise ValidationError({"participant": ["Onbekend deelnemernummer."]})
        court = services.register_court_mediation(participant, actor=request.user, **data)
        return Response(CourtMediationSerializer(court).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record that the court mediation ended", request=CourtEndSerializer,
                   responses={200: CourtMediationSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        court = self.get_object()
        data = _validated(CourtEndSerializer, request.data)
        court = services.end_court_mediation(court, actor=request.user,
                                             expected_version=data["version"], on=data["on"])
        return Response(CourtMediationSerializer(court).data)
