from django.urls import path

from herstelpad.mediation import views

app_name = "mediation"
D = "deelnemers/<str:ref>/herstelbemiddeling/"
urlpatterns = [
    # Prison side: the dossier tab
    path(D, views.dossier_tab, name="dossier"),
    path(f"{D}aanmelden/", views.refer, name="refer"),
    path(f"{D}mediation-in-strafzaken/", views.court_add, name="court_add"),
    path(f"{D}mediation-in-strafzaken/<int:pk>/afgerond/", views.court_end, name="court_end"),
    # The mediation organisation
    path("bemiddeling/", views.workbench, name="workbench"),
    path("bemiddeling/herinneringen/", views.reminders, name="reminders"),
    path("bemiddeling/cijfers/", views.dashboard, name="dashboard"),
    path("bemiddeling/zaken/", views.case_register, name="register"),
    path("bemiddeling/zaken/nieuw/", views.case_add, name="case_add"),
    path("bemiddeling/zaken/<str:ref>/", views.case_detail, name="case"),
    path("bemiddeling/zaken/<str:ref>/gegevens/", views.case_edit, name="case_edit"),
    path("bemiddeling/zaken/<str:ref>/stap/<slug:action>/", views.case_step, name="case_step"),
    path("bemiddeling/zaken/<str:ref>/heropenen/", views.case_reopen, name="reopen"),
    path("bemiddeling/zaken/<str:ref>/partijen/nieuw/", views.party_add, name="party_add"),
    path("bemiddeling/zaken/<str:ref>/partijen/<int:pk>/", views.party_edit, name="party_edit"),
    path("bemiddeling/zaken/<str:ref>/gesprekken/nieuw/", views.conversation_add,
         name="conversation_add"),
    path("bemiddeling/zaken/<str:ref>/brieven/nieuw/", views.message_add, name="message_add"),
    path("bemiddeling/zaken/<str:ref>/voorwaarden/nieuw/", views.condition_add,
         name="condition_add"),
    path("bemiddeling/mediation-in-strafzaken/", views.court_list, name="court_list"),
    path("bemiddeling/mediation-in-strafzaken/nieuw/", views.court_new, name="court_new"),
    path("bemiddeling/mediation-in-strafzaken/<int:pk>/afgerond/", views.court_close,
         name="court_close"),
]
