"""Read-only reference endpoints: organisations and institutions, scoped by the policy."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from herstelpad import policy
from herstelpad.organisations.models import Institution, Organisation


class OrganisationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Organisation
        fields = ["code", "type", "name", "notes", "municipality", "active"]


class InstitutionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Institution
        fields = ["code", "type", "name", "parent", "places", "notes", "active"]


class PolicyScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """Querysets come through `policy.scope`; subclasses declare `permission`."""

    lookup_field = "code"
    base_queryset = None

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset.all())


@extend_schema_view(list=extend_schema(summary="List organisations"),
                    retrieve=extend_schema(summary="One organisation by code"))
class OrganisationViewSet(PolicyScopedViewSet):
    permission = "reference.view"
    serializer_class = OrganisationSerializer
    base_queryset = Organisation.objects.select_related("municipality")


@extend_schema_view(list=extend_schema(summary="List institutions"),
                    retrieve=extend_schema(summary="One institution by code"))
class InstitutionViewSet(PolicyScopedViewSet):
    permission = "reference.view"
    serializer_class = InstitutionSerializer
    base_queryset = Institution.objects.select_related("parent")
