"""API endpoints for participants and stays (`/api/participants/`, `/api/stays/`).

Querysets go through `policy.scope`; one object through `policy.get_object` (an audited read,
403 outside the scope); lists are recorded as list reads. Writes call the services. Updates
send the `version` they are based on: a stale version is refused with HTTP 409 and a clear
message, never overwritten."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.concurrency import ConflictError
from herstelpad.organisations.models import Institution
from herstelpad.participants import services
from herstelpad.participants.models import (
    DutchProficiency,
    KindCheck,
    Participant,
    Sex,
    Stay,
)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    current_version = serializers.IntegerField(allow_null=True)


class ServiceAPIMixin:
    """Turns the services' errors into API responses: ValidationError → 400 with the fields,
    ConflictError → 409 with the current version."""

    def handle_exception(self, exc):
        if isinstance(exc, ConflictError):
            return Response({"detail": exc.message, "code": "conflict",
                             "current_version": exc.current}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            detail = (exc.message_dict if hasattr(exc, "error_dict")
                      else {"non_field_errors": exc.messages})
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
            exc = ValidationError(detail=detail)
        return super().handle_exception(exc)

    def audited_object(self, queryset, **lookup):
        return policy.get_object(self.request.user, queryset, **lookup)

    def audited_page(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        audit.record_list(queryset.model, count=self.paginator.count if page is not None
                          else len(rows), purpose="api")
        data = serializer_class(rows, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)


def participant_in_scope(request, ref: str) -> Participant:
    return policy.get_object(request.user, Participant.objects.select_related(
        "current_stay", "current_episode"), ref=ref)


# --- Serializers ------------------------------------------------------------------------------

class StaySerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.ref", read_only=True)
    institution = serializers.CharField(source="institution.code", read_only=True)
    episode = serializers.IntegerField(source="episode.number", read_only=True, allow_null=True)
    transferred_from = serializers.CharField(source="transferred_from.ref", read_only=True,
                                             allow_null=True)

    class Meta:
        model = Stay
        fields = ["ref", "participant", "episode", "institution", "unit", "entered_on",
                  "left_on", "legal_status", "sentence_end_on", "outflow_type",
                  "return_reason", "aftercare_municipality", "transferred_from", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer):
    current_stay = StaySerializer(read_only=True, allow_null=True)
    current_episode = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["ref", "given_name", "family_name", "birth_date", "birth_year", "sex",
                  "language", "dutch_proficiency", "lvb_indication", "kind_check",
                  "kind_check_on", "offence_category", "current_stay", "current_episode",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields

    def get_current_episode(self, obj) -> dict | None:
        episode = obj.current_episode
        if episode is None:
            return None
        return {"number": episode.number, "started_on": episode.started_on,
                "ended_on": episode.ended_on, "plan_due_on": episode.plan_due_on,
                "plan_established_on": episode.plan_established_on,
                "next_review_on": episode.next_review_on}


class PersonInputSerializer(serializers.Serializer):
    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    language = serializers.CharField(max_length=64, required=False, allow_blank=True)
    dutch_proficiency = serializers.ChoiceField(choices=DutchProficiency.choices, required=False)
    lvb_indication = serializers.BooleanField(required=False, allow_null=True)
    kind_check = serializers.ChoiceField(choices=KindCheck.choices, required=False)
    kind_check_on = serializers.DateField(required=False, allow_null=True)
    offence_category = serializers.CharField(max_length=64, required=False, allow_blank=True)


class ParticipantCreateSerializer(PersonInputSerializer):
    """A new participant with the first stay (a participant is visible through a stay)."""

    ref = serializers.CharField(max_length=64, required=False)
    institution = serializers.SlugRelatedField(slug_field="code",
                                               queryset=Institution.objects.all())
    entered_on = serializers.DateField()
    legal_status = serializers.CharField(max_length=64, required=False, allow_blank=True)
    sentence_end_on = serializers.DateField(required=False, allow_null=True)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    aftercare_municipality = serializers.CharField(max_length=120, required=False,
                                                   allow_blank=True)
    stay_ref = serializers.CharField(max_length=64, required=False)


class ParticipantUpdateSerializer(PersonInputSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version this update is "
                                       "based on (from the last read).")


class StayCreateSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=64)
    ref = serializers.CharField(max_length=64, required=False)
    institution = serializers.SlugRelatedField(slug_field="code",
                                               queryset=Institution.objects.all())
    entered_on = serializers.DateField()
    legal_status = serializers.CharField(max_length=64, required=False, allow_blank=True)
    sentence_end_on = serializers.DateField(required=False, allow_null=True)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    aftercare_municipality = serializers.CharField(max_length=120, required=False,
                                                   allow_blank=True)


class StayUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    legal_status = serializers.CharField(max_length=64, required=False, allow_blank=True)
    sentence_end_on = serializers.DateField(required=False, allow_null=True)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    aftercare_municipality = serializers.CharField(max_length=120, required=False,
                                                   allow_blank=True)


class TransferSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    to_institution = serializers.SlugRelatedField(slug_field="code",
                                                  queryset=Institution.objects.all())
    on = serializers.DateField()
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    outflow_type = serializers.ChoiceField(choices=["transferred", "returned"],
                                           default="transferred")
    return_reason = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                          default="")


class ReleaseSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    on = serializers.DateField()
    outflow_type = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                         default="")
    return_reason = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                          default="")


def _validated(serializer_class, data, partial=False):
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


CONFLICT = {409: ConflictSerializer}


# --- Viewsets ---------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="Participants the user may see",
                       parameters=[OpenApiParameter("present", bool, description="only those "
                                                    "in detention now"),
                                   OpenApiParameter("institution", str,
                                                    description="institution code of the "
                                                    "current stay"),
                                   OpenApiParameter("q", str, description="name or ref")]),
    retrieve=extend_schema(summary="One participant (an audited read)"),
)
class ParticipantViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    permission = "participants.view"
    permission_by_action = {"create": "participants.manage",
                            "partial_update": "participants.manage"}
    serializer_class = ParticipantSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Participant.objects.select_related(
            "current_stay__institution", "current_stay__episode", "current_stay__participant",
            "current_stay__transferred_from", "current_episode").order_by("ref")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if request.query_params.get("present") in ("true", "1", "yes"):
            qs = qs.filter(current_stay__isnull=False)
        if request.query_params.get("institution"):
            qs = qs.filter(current_stay__institution__code=request.query_params["institution"])
        for word in request.query_params.get("q", "").split()[:5]:
            qs = qs.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word)
                           | Q(ref__icontains=word))
        return self.audited_page(qs, ParticipantSerializer)

    def get_object(self):
        # Through the unscoped queryset: policy.get_object tells a hit outside the scope (403,
        # audited) from a true miss (404).
        return self.audited_object(self.base_queryset(), ref=self.kwargs["ref"])

    @extend_schema(summary="Register a participant with the first stay",
                   request=ParticipantCreateSerializer,
                   responses={201: ParticipantSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(_validated(ParticipantCreateSerializer, request.data))
        stay_fields = {name: data.pop(name) for name in (
            "institution", "entered_on", "legal_status", "sentence_end_on", "unit",
            "aftercare_municipality") if name in data}
        stay_ref = data.pop("stay_ref", None)
        ref = data.pop("ref", None)
        with transaction.atomic():
            person = services.create_participant(actor=request.user, ref=ref, **data)
            services.admit(person, actor=request.user, ref=stay_ref, **stay_fields)
        person = Participant.objects.select_related(
            "current_stay__institution", "current_episode").get(pk=person.pk)
        return Response(ParticipantSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Update personal details (send the version you read)",
                   request=ParticipantUpdateSerializer,
                   responses={200: ParticipantSerializer, **CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        data = dict(_validated(ParticipantUpdateSerializer, request.data, partial=False))
        version = data.pop("version")
        services.update_participant(person, actor=request.user, expected_version=version,
                                    **data)
        person.refresh_from_db()
        return Response(ParticipantSerializer(person).data)


@extend_schema_view(
    list=extend_schema(summary="Stays of the participants the user may see",
                       parameters=[OpenApiParameter("participant", str,
                                                    description="participant ref")]),
    retrieve=extend_schema(summary="One stay (an audited read)"),
)
class StayViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    permission = "participants.view"
    permission_by_action = {"create": "participants.manage",
                            "partial_update": "participants.manage",
                            "transfer": "participants.manage",
                            "release": "participants.manage"}
    serializer_class = StaySerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Stay.objects.select_related(
            "participant", "institution", "episode", "transferred_from").order_by(
            "participant__ref", "entered_on", "id")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if request.query_params.get("participant"):
            qs = qs.filter(participant__ref=request.query_params["participant"])
        return self.audited_page(qs, StaySerializer)

    def get_object(self):
        # Through the unscoped queryset: policy.get_object tells a hit outside the scope (403,
        # audited) from a true miss (404).
        return self.audited_object(self.base_queryset(), ref=self.kwargs["ref"])

    @extend_schema(summary="A new stay for a participant (re-admission)",
                   request=StayCreateSerializer, responses={201: StaySerializer})
    def create(self, request, *args, **kwargs):
        data = dict(_validated(StayCreateSerializer, request.data))
        person = participant_in_scope(request, data.pop("participant"))
        stay = services.admit(person, actor=request.user, **data)
        return Response(StaySerializer(self.get_queryset().get(pk=stay.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Correct a stay (send the version you read)",
                   request=StayUpdateSerializer, responses={200: StaySerializer, **CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        stay = self.get_object()
        data = dict(_validated(StayUpdateSerializer, request.data))
        version = data.pop("version")
        services.update_stay(stay, actor=request.user, expected_version=version, **data)
        return Response(StaySerializer(self.get_queryset().get(pk=stay.pk)).data)

    @extend_schema(summary="Transfer: end this stay and start the next in the same episode",
                   request=TransferSerializer, responses={201: StaySerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def transfer(self, request, ref=None):
        stay = self.get_object()
        data = dict(_validated(TransferSerializer, request.data))
        version = data.pop("version")
        new = services.transfer(stay, actor=request.user, expected_version=version, **data)
        return Response(StaySerializer(Stay.objects.select_related(
            "participant", "institution", "episode", "transferred_from").get(pk=new.pk)).data,
            status=status.HTTP_201_CREATED)

    @extend_schema(summary="Release: end this stay and the episode",
                   request=ReleaseSerializer, responses={200: StaySerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def release(self, request, ref=None):
        stay = self.get_object()
        data = dict(_validated(ReleaseSerializer, request.data))
        version = data.pop("version")
        services.release(stay, actor=request.user, expected_version=version, **data)
        return Response(StaySerializer(self.get_queryset().get(pk=stay.pk)).data)
