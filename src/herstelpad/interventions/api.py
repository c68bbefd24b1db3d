"""API endpoints of the catalogue and its delivery: `/api/interventions/` (the catalogue, with
the fit check for a participant), `/api/editions/` and `/api/enrolments/` (with their workflow
steps, the certificate and the link to a plan goal).

Querysets go through `policy.scope`; one object through `policy.get_object` (an audited read,
403 outside the scope). What an enrolment shows follows the reporting level
(`services.views_for`), exactly as on the pages. Writes call the services; updates send the
`version` they are based on (HTTP 409 when it is stale)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.interventions import services
from herstelpad.interventions.models import (
    Availability,
    AvailabilityStatus,
    DecidedBy,
    Edition,
    Enrolment,
    Intervention,
)
from herstelpad.organisations.models import Institution
from herstelpad.participants.api import CONFLICT, ServiceAPIMixin, participant_in_scope


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _forbidden(exc: DjangoPermissionDenied):
    raise PermissionDenied(str(exc) or None)


# --- The catalogue ------------------------------------------------------------------------------

class AvailabilitySerializer(serializers.ModelSerializer):
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Availability
        fields = ["institution", "status", "starts_on", "ends_on", "contact_person", "version"]


class InterventionSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    layers = serializers.SerializerMethodField()
    reporting_level = serializers.SlugRelatedField(slug_field="code", read_only=True)
    availability = AvailabilitySerializer(many=True, read_only=True)

    class Meta:
        model = Intervention
        fields = ["code", "name", "provider_kind", "provider", "layers", "target_age", "age_min",
                  "age_max", "target_sex", "format", "sessions", "session_hours",
                  "duration_weeks", "group_min", "group_max", "min_remaining_weeks",
                  "requires", "excludes", "themes", "reporting_level", "evaluation_status",
                  "description", "notes", "availability", "version"]

    def get_layers(self, obj) -> list[str]:
        return [layer.code for layer in obj.layer_codes]


class FitSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["yes", "check", "no"])
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.DictField())


@extend_schema_view(
    list=extend_schema(summary="The intervention catalogue", parameters=[
        OpenApiParameter("institution", str, description="offered at this institution "
                         "(active, incidental or starting)"),
        OpenApiParameter("layer", str, description="restoration_layers code"),
        OpenApiParameter("format", str), OpenApiParameter("provider", str),
        OpenApiParameter("q", str, description="words in the name or description")]),
    retrieve=extend_schema(summary="One intervention with its availability"),
)
class InterventionViewSet(ServiceAPIMixin, viewsets.ReadOnlyModelViewSet):
    permission = "interventions.view"
    serializer_class = InterventionSerializer
    lookup_field = "code"

    def get_queryset(self):
        return policy.scope(self.request.user, services.catalogue_queryset()).prefetch_related(
            "availability__institution").order_by("name")

    def list(self, request, *args, **kwargs):
        params = request.query_params
        institution = None
        if params.get("institution"):
            institution = Institution.objects.filter(code=params["institution"]).first()
            if institution is None:
                return Response({"institution": ["onbekende inrichting"]},
                                status=status.HTTP_400_BAD_REQUEST)
        rows = services.search(request.user, services.CatalogueQuery(
            institution=institution, layer=params.get("layer", ""),
            format=params.get("format", ""), provider=params.get("provider", ""),
            q=params.get("q", "")))
        pks = [row.intervention.pk for row in rows]
        qs = self.get_queryset().filter(pk__in=pks)
        return Response(InterventionSerializer(qs, many=True).data)

    @extend_schema(summary="Does a participant fit this intervention? Every reason, in words",
                   parameters=[OpenApiParameter("participant", str, required=True)],
                   responses={200: FitSerializer})
    @action(detail=True, methods=["get"])
    def fit(self, request, code=None):
        if not policy.has_perm(request.user, "participants.view"):
            audit.record_denied_request(request._request, "participants.view")
            raise PermissionDenied("participants.view")
        intervention = self.get_object()
        ref = request.query_params.get("participant")
        if not ref:
            return Response({"participant": ["verplicht"]}, status=status.HTTP_400_BAD_REQUEST)
        participant = participant_in_scope(request, ref)
        edition = None
        if request.query_params.get("edition"):
            edition = Edition.objects.filter(ref=request.query_params["edition"],
                                             intervention=intervention).first()
        return Response(services.fit(intervention, participant, edition=edition).as_dict())


# --- Editions -----------------------------------------------------------------------------------

class EditionSerializer(serializers.ModelSerializer):
    intervention = serializers.SlugRelatedField(slug_field="code", read_only=True)
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Edition
        fields = ["ref", "intervention", "institution", "starts_on", "ends_on", "capacity",
                  "sessions", "leaders", "location", "notes", "version"]


class EditionCreateSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=64, required=False)
    intervention = serializers.SlugRelatedField(slug_field="code",
                                                queryset=Intervention.objects.all())
    institution = serializers.SlugRelatedField(slug_field="code",
                                               queryset=Institution.objects.all())
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    capacity = serializers.IntegerField(required=False, allow_null=True)
    sessions = serializers.IntegerField(required=False, allow_null=True)
    leaders = serializers.CharField(required=False, allow_blank=True, max_length=300)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True)


class EditionUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)
    capacity = serializers.IntegerField(required=False, allow_null=True)
    sessions = serializers.IntegerField(required=False, allow_null=True)
    leaders = serializers.CharField(required=False, allow_blank=True, max_length=300)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True)


@extend_schema_view(list=extend_schema(summary="Editions the user may see"),
                    retrieve=extend_schema(summary="One edition"))
class EditionViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    permission = "interventions.enrolments"
    permission_by_action = {"create": "interventions.editions",
                            "partial_update": "interventions.editions"}
    serializer_class = EditionSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Edition.objects.select_related("intervention", "institution").order_by(
            "-starts_on", "ref")

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def get_object(self):
        return policy.get_object(self.request.user, self.base_queryset(),
                                 ref=self.kwargs["ref"], audit_read=False)

    @extend_schema(request=EditionCreateSerializer, responses={201: EditionSerializer},
                   summary="A new edition (course providers: their own interventions; "
                           "herstelconsulenten: the institution's own offers)")
    def create(self, request, *args, **kwargs):
        data = _validated(EditionCreateSerializer, request.data)
        try:
            edition = services.create_edition(actor=request.user, **data)
        except DjangoPermissionDenied as exc:
            _forbidden(exc)
        return Response(EditionSerializer(edition).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EditionUpdateSerializer,
                   responses={200: EditionSerializer, **CONFLICT},
                   summary="Change an edition (send the version you read)")
    def partial_update(self, request, *args, **kwargs):
        edition = self.get_object()
        data = _validated(EditionUpdateSerializer, request.data)
        version = data.pop("version")
        try:
            services.update_edition(edition, actor=request.user, expected_version=version,
                                    **data)
        except DjangoPermissionDenied as exc:
            _forbidden(exc)
        return Response(EditionSerializer(edition).data)


# --- Enrolments ---------------------------------------------------------------------------------

class EnrolmentSerializer(serializers.Serializer):
    """The fields the reporting level allows (see `services.EnrolmentView.as_dict`): always
    ref, participant, intervention, institution, access, status and enrolled_on; from the
    `process` level the edition, outcome, dates, attendance and steps; with content, the
    reasons and the content feedback; `version` for whoever runs the edition."""

    def to_representation(self, view):
        return view.as_dict()


class ReferSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=64)
    intervention = serializers.SlugRelatedField(slug_field="code", required=False,
                                                allow_null=True,
                                                queryset=Intervention.objects.all())
    edition = serializers.SlugRelatedField(slug_field="ref", required=False, allow_null=True,
                                           queryset=Edition.objects.all())
    on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    objection = serializers.BooleanField(required=False, default=False)


class StepSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=["intake", "approve", "reject", "place", "start",
                                              "complete", "end"])
    on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=64)
    decided_by = serializers.ChoiceField(choices=DecidedBy.choices, required=False)
    edition = serializers.SlugRelatedField(slug_field="ref", required=False, allow_null=True,
                                           queryset=Edition.objects.all())


class CertificateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    on = serializers.DateField(allow_null=True)


class GoalLinkSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    goal = serializers.CharField(allow_blank=True, allow_null=True, max_length=64)


@extend_schema_view(
    list=extend_schema(summary="Enrolments the user may see, at their reporting level",
                       parameters=[OpenApiParameter("participant", str),
                                   OpenApiParameter("edition", str)]),
    retrieve=extend_schema(summary="One enrolment (an audited read)"),
)
class EnrolmentViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    permission = "interventions.enrolments"
    permission_by_action = {"create": "interventions.refer", "steps": "interventions.decide",
                            "certificate": "interventions.editions",
                            "goal": "plans.goals"}
    serializer_class = EnrolmentSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return policy.scope(self.request.user, services.enrolments_queryset()).order_by(
            "-enrolled_on", "-id")

    def get_object(self):
        return policy.get_object(self.request.user, services.enrolments_queryset(),
                                 ref=self.kwargs["ref"])

    def _view(self, enrolment):
        return services.views_for(self.request.user, [enrolment])[0].as_dict()

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if request.query_params.get("participant"):
            qs = qs.filter(participant__ref=request.query_params["participant"])
        if request.query_params.get("edition"):
            # The edition is process information: not for enrolments seen at `participation`.
            qs = policy.enrolments_at_process_level(request.user, qs).filter(
                edition__ref=request.query_params["edition"])
        page = self.paginate_queryset(qs)
        rows = page if page is not None else list(qs)
        audit.record_list(Enrolment, count=self.paginator.count if page is not None
                          else len(rows), purpose="api")
        data = [view.as_dict() for view in services.views_for(request.user, rows)]
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._view(self.get_object()))

    @extend_schema(request=ReferSerializer, responses={201: EnrolmentSerializer},
                   summary="Refer a participant to an edition or an offer's waiting list")
    def create(self, request, *args, **kwargs):
        data = _validated(ReferSerializer, request.data)
        participant = participant_in_scope(request, data.pop("participant"))
        enrolment = services.refer(participant, actor=request.user, **data)
        enrolment = services.enrolments_queryset().get(pk=enrolment.pk)
        views = services.views_for(request.user, [enrolment])
        # With an objection the prison no longer sees the enrolment: say only that it exists.
        body = views[0].as_dict() if views and policy.scope(
            request.user, Enrolment.objects.filter(pk=enrolment.pk)).exists() else {
            "ref": enrolment.ref, "access": None}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=StepSerializer, responses={200: EnrolmentSerializer, **CONFLICT},
                   summary="Record a step of the enrolment's workflow")
    @action(detail=True, methods=["post"])
    def steps(self, request, ref=None):
        enrolment = self.get_object()
        data = _validated(StepSerializer, request.data)
        try:
            services.transition(enrolment, actor=request.user,
                                expected_version=data.pop("version"), **data)
        except DjangoPermissionDenied as exc:
            _forbidden(exc)
        return Response(self._view(services.enrolments_queryset().get(pk=enrolment.pk)))

    @extend_schema(request=CertificateSerializer,
                   responses={200: EnrolmentSerializer, **CONFLICT},
                   summary="Record the certificate of a completed enrolment")
    @action(detail=True, methods=["post"])
    def certificate(self, request, ref=None):
        enrolment = self.get_object()
        data = _validated(CertificateSerializer, request.data)
        try:
            services.record_certificate(enrolment, actor=request.user,
                                        expected_version=data["version"], on=data["on"])
        except DjangoPermissionDenied as exc:
            _forbidden(exc)
        return Response(self._view(enrolment))

    @extend_schema(request=GoalLinkSerializer, responses={200: EnrolmentSerializer, **CONFLICT},
                   summary="Link a completed enrolment to a goal of the plan (empty unlinks)")
    @action(detail=True, methods=["post"])
    def goal(self, request, ref=None):
        from herstelpad.plans.models import Goal

        enrolment = self.get_object()
        data = _validated(GoalLinkSerializer, request.data)
        goal = None
        if data.get("goal"):
            goal = policy.get_object(request.user, Goal.objects.all(), ref=data["goal"])
        services.link_goal(enrolment, actor=request.user, expected_version=data["version"],
                           goal=goal)
        return Response(self._view(enrolment))


__all__ = ["InterventionViewSet", "EditionViewSet", "EnrolmentViewSet", "AvailabilityStatus"]
