"""API endpoints for D&R-plans and goals (`/api/plans/`, `/api/goals/`), with the same rules as
the participants' endpoints: scoped querysets, audited reads, services for writes, HTTP 409 for
an update based on a stale `version`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from herstelpad import policy
from herstelpad.participants.api import (
    CONFLICT,
    ServiceAPIMixin,
    _validated,
    participant_in_scope,
)
from herstelpad.plans import services
from herstelpad.plans.models import (
    Goal,
    GoalAction,
    GoalStatus,
    GoalStatusChange,
    Plan,
    PlanVersion,
    SetBy,
    SignOff,
)


# --- Serializers ------------------------------------------------------------------------------

class PlanVersionSerializer(serializers.ModelSerializer):
    established_by = serializers.CharField(source="established_by.username", read_only=True,
                                           allow_null=True)

    class Meta:
        model = PlanVersion
        fields = ["number", "established_on", "established_by", "summary", "goal_snapshot",
                  "sign_off", "sign_off_on", "sign_off_note", "version"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.ref", read_only=True)
    episode = serializers.IntegerField(source="episode.number", read_only=True)
    episode_started_on = serializers.DateField(source="episode.started_on", read_only=True)
    plan_due_on = serializers.DateField(source="episode.plan_due_on", read_only=True)
    plan_established_on = serializers.DateField(source="episode.plan_established_on",
                                                read_only=True)
    versions = PlanVersionSerializer(many=True, read_only=True)
    goals = serializers.SlugRelatedField(slug_field="ref", many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "participant", "episode", "episode_started_on", "plan_due_on",
                  "plan_established_on", "versions", "goals", "version", "created_at"]
        read_only_fields = fields


class GoalActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalAction
        fields = ["id", "description", "responsible", "due_on", "done_on", "version"]
        read_only_fields = fields


class GoalStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalStatusChange
        fields = ["from_status", "status", "changed_on", "reason"]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.ref", read_only=True)
    plan = serializers.IntegerField(source="plan_id", read_only=True, allow_null=True)
    actions = GoalActionSerializer(many=True, read_only=True)
    status_history = GoalStatusChangeSerializer(source="status_changes", many=True,
                                                read_only=True)

    class Meta:
        model = Goal
        fields = ["ref", "participant", "plan", "domain", "set_on", "status", "closed_on",
                  "rating", "description", "set_by", "actions", "status_history", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields


class VersionCreateSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=64)
    summary = serializers.CharField()
    established_on = serializers.DateField(required=False)


class SignOffInputSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, help_text="the plan version's number")
    version = serializers.IntegerField(min_value=1, help_text="the record version you read")
    outcome = serializers.ChoiceField(choices=[SignOff.SIGNED, SignOff.DECLINED])
    on = serializers.DateField(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GoalCreateSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=64)
    ref = serializers.CharField(max_length=64, required=False)
    domain = serializers.CharField(max_length=64)
    description = serializers.CharField()
    set_by = serializers.ChoiceField(choices=SetBy.choices, required=False, allow_blank=True,
                                     default="")
    set_on = serializers.DateField(required=False)


class GoalUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    domain = serializers.CharField(max_length=64, required=False)
    description = serializers.CharField(required=False)
    set_by = serializers.ChoiceField(choices=SetBy.choices, required=False, allow_blank=True)
    rating = serializers.IntegerField(required=False, allow_null=True)


class GoalStatusInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=GoalStatus.choices)
    on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ActionCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    responsible = serializers.CharField(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True)


class ActionUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    description = serializers.CharField(max_length=500, required=False)
    responsible = serializers.CharField(max_length=200, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)
    done_on = serializers.DateField(required=False, allow_null=True)


# --- Viewsets ---------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="D&R-plans of the participants the user may see",
                       parameters=[OpenApiParameter("participant", str,
                                                    description="participant ref")]),
    retrieve=extend_schema(summary="One D&R-plan with its versions (an audited read)"),
)
class PlanViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    permission = "plans.view"
    permission_by_action = {"create": "plans.manage", "sign_off": "plans.manage"}
    serializer_class = PlanSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return (Plan.objects.select_related("participant", "episode")
                .prefetch_related("versions__established_by", "goals").order_by("id"))

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if request.query_params.get("participant"):
            qs = qs.filter(participant__ref=request.query_params["participant"])
        return self.audited_page(qs, PlanSerializer)

    def get_object(self):
        return self.audited_object(self.base_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="Establish a new version of the current episode's plan",
                   request=VersionCreateSerializer, responses={201: PlanSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(_validated(VersionCreateSerializer, request.data))
        person = participant_in_scope(request, data.pop("participant"))
        version = services.establish_version(person, actor=request.user, **data)
        return Response(PlanSerializer(self.base_queryset().get(pk=version.plan_id)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record the participant's sign-off of a version",
                   request=SignOffInputSerializer, responses={200: PlanSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        plan = self.get_object()
        data = dict(_validated(SignOffInputSerializer, request.data))
        item = plan.versions.filter(number=data.pop("number")).first()
        if item is None:
            return Response({"number": ["Deze versie bestaat niet."]},
                            status=status.HTTP_400_BAD_REQUEST)
        services.record_sign_off(item, actor=request.user, expected_version=data.pop("version"),
                                 **data)
        return Response(PlanSerializer(self.base_queryset().get(pk=plan.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Goals the user may see",
                       parameters=[OpenApiParameter("participant", str),
                                   OpenApiParameter("status", str),
                                   OpenApiParameter("domain", str)]),
    retrieve=extend_schema(summary="One goal with actions and status history (an audited "
                                   "read)"),
)
class GoalViewSet(ServiceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    permission = "plans.view"
    permission_by_action = {"create": "plans.goals", "partial_update": "plans.goals",
                            "change_status": "plans.goals", "add_action": "plans.goals",
                            "update_action": "plans.goals"}
    serializer_class = GoalSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return (Goal.objects.select_related("participant")
                .prefetch_related("actions", "status_changes").order_by("participant__ref",
                                                                         "set_on", "id"))

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        for param, field in (("participant", "participant__ref"), ("status", "status"),
                             ("domain", "domain")):
            if request.query_params.get(param):
                qs = qs.filter(**{field: request.query_params[param]})
        return self.audited_page(qs, GoalSerializer)

    def get_object(self):
        return self.audited_object(self.base_queryset(), ref=self.kwargs["ref"])

    def _fresh(self, goal):
        return Response(GoalSerializer(self.base_queryset().get(pk=goal.pk)).data)

    @extend_schema(summary="Add a goal", request=GoalCreateSerializer,
                   responses={201: GoalSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(_validated(GoalCreateSerializer, request.data))
        person = participant_in_scope(request, data.pop("participant"))
        goal = services.add_goal(person, actor=request.user, **data)
        response = self._fresh(goal)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(summary="Change a goal's words, domain, author or rating",
                   request=GoalUpdateSerializer, responses={200: GoalSerializer, **CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        goal = self.get_object()
        data = dict(_validated(GoalUpdateSerializer, request.data))
        services.update_goal(goal, actor=request.user, expected_version=data.pop("version"),
                             **data)
        return self._fresh(goal)

    @extend_schema(summary="Move the goal through its status workflow",
                   request=GoalStatusInputSerializer,
                   responses={200: GoalSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, ref=None):
        goal = self.get_object()
        data = dict(_validated(GoalStatusInputSerializer, request.data))
        services.change_goal_status(goal, actor=request.user,
                                    expected_version=data.pop("version"), **data)
        return self._fresh(goal)

    @extend_schema(summary="Add an action to the goal", request=ActionCreateSerializer,
                   responses={201: GoalSerializer})
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, ref=None):
        goal = self.get_object()
        data = dict(_validated(ActionCreateSerializer, request.data))
        services.add_action(goal, actor=request.user, **data)
        response = self._fresh(goal)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(summary="Change an action or mark it done", request=ActionUpdateSerializer,
                   responses={200: GoalSerializer, **CONFLICT})
    @action(detail=True, methods=["patch"], url_path=r"actions/(?P<action_id>\d+)")
    def update_action(self, request, ref=None, action_id=None):
        goal = self.get_object()
        item = goal.actions.filter(pk=action_id).first()
        if item is None:
            return Response({"detail": "Deze actie hoort niet bij dit doel."},
                            status=status.HTTP_404_NOT_FOUND)
        data = dict(_validated(ActionUpdateSerializer, request.data))
        services.update_action(item, actor=request.user, expected_version=data.pop("version"),
                               **data)
        return self._fresh(goal)
