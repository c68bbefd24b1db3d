from django.urls import include, path
from django.views.i18n import set_language

from herstelpad import policy
from herstelpad.admin import admin_site

urlpatterns = [
    path("", include("herstelpad.web.urls")),
    path("", include("herstelpad.accounts.urls")),
    path("audit/", include("herstelpad.audit.urls")),
    path("", include("herstelpad.participants.urls")),
    path("deelnemers/<str:ref>/", include("herstelpad.plans.urls")),
    path("deelnemers/", include("herstelpad.consent.urls")),
    path("", include("herstelpad.interventions.urls")),
    path("", include("herstelpad.mediation.urls")),
    path("", include("herstelpad.facilities.urls")),
    path("importeren/", include("herstelpad.imports.urls")),
    path("rapporten/", include("herstelpad.reports.urls")),
    path("api/", include("herstelpad.api.urls")),
    path("beheer/", admin_site.urls),
    path("i18n/setlang/", policy.declare(set_language, policy.PUBLIC), name="set_language"),
]

handler400 = "herstelpad.web.views.error_400"
handler403 = "herstelpad.web.views.error_403"
handler404 = "herstelpad.web.views.error_404"
handler500 = "herstelpad.web.views.error_500"
