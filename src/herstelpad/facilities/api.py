"""The facilities API: candidates (with their recorded steps), decisions, withdrawal,
pre-scan answers and facility stays. Scoped by the policy (`policy._candidate_condition`): a
facility team sees its own candidates, a municipality the candidates from its area, DIZ the
advices sent to it. Writes go through `services` (the same rules as the web pages)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from herstelpad import policy
from herstelpad.facilities import services
from herstelpad.facilities.models import Candidate, CandidateStep, PrescanPartner
from herstelpad.participants.api import CONFLICT, ServiceAPIMixin
from herstelpad.participants.models import Stay


class StepSerializer(serializers.ModelSerializer):
    step = serializers.CharField(source="route_step.code", read_only=True, allow_null=True)

    class Meta:
        model = CandidateStep
        fields = ["action", "step", "decision", "on", "decider", "reason", "from_state",
                  "to_state"]


class CandidateSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code", read_only=True)
    step = serializers.CharField(source="step.code", read_only=True, allow_null=True)
    participant = serializers.CharField(source="participant.ref", read_only=True,
                                        allow_null=True)
    municipality = serializers.CharField(source="municipality_name", read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Candidate
        fields = ["ref", "facility", "source", "list_date", "participant", "name", "sex",
                  "sentence_end_on", "municipality", "screening_outcome", "reasons", "state",
                  "step", "step_since", "closed_on", "sent_to_diz_on", "version"]


class CandidateDetailSerializer(CandidateSerializer):
    steps = StepSerializer(many=True, read_only=True)

    class Meta(CandidateSerializer.Meta):
        fields = [*CandidateSerializer.Meta.fields, "steps"]


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["positive", "negative"])
    on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    decider = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=150)
    expected_version = serializers.IntegerField()


class WithdrawSerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField()


class PrescanSerializer(serializers.Serializer):
    """Minimal disclosure: only the partner, objection yes/no and the date."""

    partner = serializers.ChoiceField(choices=PrescanPartner.choices)
    objection = serializers.BooleanField()
    answered_on = serializers.DateField()


class FacilityStaySerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.ref", read_only=True)
    institution = serializers.CharField(source="institution.code", read_only=True)
    trial_until = serializers.DateField(source="facility_details.trial_until", read_only=True,
                                        allow_null=True, default=None)
    housing_destination = serializers.CharField(
        source="facility_details.housing_destination", read_only=True, default="")
    decided_by = serializers.CharField(source="facility_details.decided_by", read_only=True,
                                       default="")

    class Meta:
        model = Stay
        fields = ["ref", "participant", "institution", "entered_on", "left_on", "outflow_type",
                  "return_reason", "trial_until", "housing_destination", "decided_by"]


class CandidateViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    permission = "facilities.candidates"
    permission_by_action = {"decide": "facilities.candidates",
                            "withdraw": "facilities.manage",
                            "prescan": "facilities.prescan"}
    serializer_class = CandidateSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"

    def base_queryset(self):
        return Candidate.objects.select_related("facility", "step", "participant").order_by(
            "facility__code", "list_date", "ref")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        for param, field in (("facility", "facility__code"), ("state", "state"),
                             ("step", "step__code")):
            if request.query_params.get(param):
                qs = qs.filter(**{field: request.query_params[param]})
        return self.audited_page(qs, CandidateSerializer)

    def get_object(self):
        return self.audited_object(self.base_queryset().prefetch_related("steps__route_step"),
                                   ref=self.kwargs["ref"])

    def retrieve(self, request, *args, **kwargs):
        return Response(CandidateDetailSerializer(self.get_object()).data)

    @extend_schema(request=DecisionSerializer, responses={200: CandidateDetailSerializer,
                                                          **CONFLICT})
    @action(detail=True, methods=["post"])
    def decide(self, request, ref=None):
        candidate = self.get_object()
        if "decide" not in services.allowed_actions(request.user, candidate):
            raise PermissionDenied("facilities.decide")
        data = _valid(DecisionSerializer, request.data)
        version = data.pop("expected_version")
        services.decide(candidate, actor=request.user, expected_version=version, **data)
        return Response(CandidateDetailSerializer(self.get_object()).data)

    @extend_schema(request=WithdrawSerializer, responses={200: CandidateDetailSerializer,
                                                          **CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, ref=None):
        candidate = self.get_object()
        data = _valid(WithdrawSerializer, request.data)
        version = data.pop("expected_version")
        services.withdraw(candidate, actor=request.user, expected_version=version, **data)
        return Response(CandidateDetailSerializer(self.get_object()).data)

    @extend_schema(request=PrescanSerializer, responses={201: PrescanSerializer})
    @action(detail=True, methods=["post"])
    def prescan(self, request, ref=None):
        candidate = self.get_object()
        data = _valid(PrescanSerializer, request.data)
        answer = services.record_prescan(candidate, actor=request.user, **data)
        return Response({"partner": answer.partner, "objection": answer.objection,
                         "answered_on": answer.answered_on}, status=201)


class FacilityStayViewSet(ServiceAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stays at facilities, with the facility's details; the participant dossier's scope."""

    permission = "participants.view"
    serializer_class = FacilityStaySerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"

    def base_queryset(self):
        return (Stay.objects.filter(institution__type="facility")
                .select_related("participant", "institution", "facility_details")
                .order_by("institution__code", "entered_on", "id"))

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if request.query_params.get("facility"):
            qs = qs.filter(institution__code=request.query_params["facility"])
        return self.audited_page(qs, FacilityStaySerializer)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
