from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from herstelpad.api import views
from herstelpad.participants.api import ParticipantViewSet, StayViewSet
from herstelpad.consent.api import ConsentViewSet
from herstelpad.mediation.api import CaseViewSet, CourtMediationViewSet, ReferralViewSet
from herstelpad.facilities.api import CandidateViewSet, FacilityStayViewSet
from herstelpad.plans.api import GoalViewSet, PlanViewSet
from herstelpad.imports import api as imports_api
from herstelpad.interventions.api import EditionViewSet, EnrolmentViewSet, InterventionViewSet
from herstelpad.reports import api as reports_api


class SchemaView(SpectacularAPIView):
    permission = "api.docs"


class DocsView(SpectacularSwaggerSplitView):
    # The split view serves its start-up script from a URL, so the page needs no inline script
    # and keeps to the content security policy.
    permission = "api.docs"


class APIRootView(routers.APIRootView):
    permission = "api.docs"


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("participants", ParticipantViewSet, basename="participant")
router.register("stays", StayViewSet, basename="stay")
router.register("plans", PlanViewSet, basename="plan")
router.register("consents", ConsentViewSet, basename="consent")
router.register("goals", GoalViewSet, basename="goal")
router.register("interventions", InterventionViewSet, basename="intervention")
router.register("editions", EditionViewSet, basename="edition")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("mediation/referrals", ReferralViewSet, basename="mediation-referral")
router.register("mediation/cases", CaseViewSet, basename="mediation-case")
router.register("mediation/court-mediations", CourtMediationViewSet,
                basename="mediation-court-mediation")
router.register("facilities/candidates", CandidateViewSet, basename="facility-candidate")
router.register("facilities/stays", FacilityStayViewSet, basename="facility-stay")

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("imports/", imports_api.ImportRunListView.as_view(), name="import-runs"),
    path("imports/<slug:kind>/", imports_api.ImportView.as_view(), name="import"),
    path("reports/", reports_api.ReportListView.as_view(), name="reports"),
    path("reports/<slug:name>/", reports_api.ReportView.as_view(), name="report"),
    path("", include(router.urls)),
]
