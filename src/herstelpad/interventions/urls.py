"""Intervention pages, mounted under /interventies/; the dossier tab and the referral are
mounted under /deelnemers/<ref>/ (see `dossier_urlpatterns`)."""

from django.urls import path

from herstelpad.interventions import views

app_name = "interventions"
urlpatterns = [
    path("interventies/", views.catalogue, name="catalogue"),
    path("interventies/inrichtingen/", views.institutions, name="institutions"),
    path("interventies/inrichtingen/<str:code>/", views.institution_overview,
         name="institution"),
    path("interventies/edities/", views.editions, name="editions"),
    path("interventies/edities/nieuw/", views.edition_add, name="edition_add"),
    path("interventies/edities/<str:ref>/", views.edition_detail, name="edition"),
    path("interventies/edities/<str:ref>/wijzigen/", views.edition_edit, name="edition_edit"),
    path("interventies/edities/<str:ref>/aanmelden/", views.edition_enrol,
         name="edition_enrol"),
    path("interventies/edities/<str:ref>/bijeenkomsten/nieuw/", views.session,
         name="session_add"),
    path("interventies/edities/<str:ref>/bijeenkomsten/<int:number>/", views.session,
         name="session"),
    path("interventies/deelnames/<str:ref>/", views.enrolment_detail, name="enrolment"),
    path("interventies/deelnames/<str:ref>/stap/<slug:action>/", views.enrolment_step,
         name="enrolment_step"),
    path("interventies/deelnames/<str:ref>/certificaat/", views.enrolment_certificate,
         name="enrolment_certificate"),
    path("interventies/deelnames/<str:ref>/inhoud/", views.enrolment_content,
         name="enrolment_content"),
    path("interventies/deelnames/<str:ref>/doel/", views.enrolment_goal,
         name="enrolment_goal"),
    path("interventies/<slug:code>/", views.intervention_detail, name="detail"),
    path("interventies/<slug:code>/beheer/", views.intervention_maintain, name="maintain"),
    path("interventies/<slug:code>/beschikbaarheid/<str:institution>/",
         views.availability_edit, name="availability"),
    path("deelnemers/<str:ref>/interventies/", views.dossier_tab, name="dossier"),
    path("deelnemers/<str:ref>/interventies/aanmelden/", views.dossier_refer, name="refer"),
]
