"""`/api/consents/`: consent and objection records, scoped by the policy; create and withdraw
through the same services as the pages (optimistic concurrency on withdrawal: 409)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from herstelpad import policy
from herstelpad.consent import services
from herstelpad.consent.models import Consent, Kind, Purpose
from herstelpad.organisations.models import Organisation
from herstelpad.participants.api import CONFLICT, ServiceAPIMixin, participant_in_scope


class ConsentSerializer(serializers.ModelSerializer):
    participant = serializers.SlugRelatedField(slug_field="ref", read_only=True)
    partner = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "participant", "kind", "purpose", "partner", "subject",
                  "data_description", "given_on", "valid_until", "evidence", "withdrawn_on",
                  "withdrawal_reason", "delete_collected", "version"]


class ConsentCreateSerializer(serializers.Serializer):
    participant = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.CONSENT)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    partner = serializers.SlugRelatedField(slug_field="code", required=False, allow_null=True,
                                           queryset=Organisation.objects.all())
    subject = serializers.CharField(required=False, allow_blank=True, max_length=64)
    data_description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    given_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    evidence = serializers.CharField(max_length=300)


class WithdrawSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    delete_collected = serializers.BooleanField(required=False, default=False)


def _require_manage(request) -> None:
    if not policy.has_perm(request.user, "consent.manage"):
        raise PermissionDenied("consent.manage")


class ConsentViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    permission = "consent.view"
    serializer_class = ConsentSerializer

    def base_queryset(self):
        return Consent.objects.select_related("participant", "partner")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if request.query_params.get("participant"):
            qs = qs.filter(participant__ref=request.query_params["participant"])
        return self.audited_page(qs, ConsentSerializer)

    def get_object(self):
        return self.audited_object(self.base_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="Record a consent or an objection",
                   request=ConsentCreateSerializer, responses={201: ConsentSerializer})
    def create(self, request):
        _require_manage(request)
        data = ConsentCreateSerializer(data=request.data)
        if not data.is_valid():
            raise ValidationError(data.errors)
        values = dict(data.validated_data)
        participant = participant_in_scope(request, values.pop("participant"))
        record = services.record(participant, actor=request.user, **values)
        return Response(ConsentSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record the withdrawal (send the version you read)",
                   request=WithdrawSerializer, responses={200: ConsentSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        _require_manage(request)
        record = self.get_object()
        data = WithdrawSerializer(data=request.data)
        if not data.is_valid():
            raise ValidationError(data.errors)
        values = data.validated_data
        record = services.withdraw(record, actor=request.user,
                                   expected_version=values["version"], on=values["on"],
                                   reason=values.get("reason", ""),
                                   delete_collected=values.get("delete_collected", False))
        return Response(ConsentSerializer(record).data)
