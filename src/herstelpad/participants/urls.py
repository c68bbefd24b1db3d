from django.urls import path

from herstelpad.participants import views

app_name = "participants"
urlpatterns = [
    path("deelnemers/", views.caseload, name="caseload"),
    path("deelnemers/nieuw/", views.register, name="register"),
    path("notities/", views.note_search, name="note_search"),
    path("nazorg/", views.aftercare_list, name="aftercare_list"),
    path("nazorg/<str:ref>/", views.aftercare_detail, name="aftercare_detail"),
    path("deelnemers/<str:ref>/", views.detail, name="detail"),
    path("deelnemers/<str:ref>/gegevens/", views.edit, name="edit"),
    path("deelnemers/<str:ref>/verblijven/nieuw/", views.stay_add, name="stay_add"),
    path("deelnemers/<str:ref>/verblijven/<str:stay_ref>/", views.stay_edit, name="stay_edit"),
    path("deelnemers/<str:ref>/verblijven/<str:stay_ref>/overplaatsen/", views.transfer,
         name="transfer"),
    path("deelnemers/<str:ref>/verblijven/<str:stay_ref>/vertrek/", views.release,
         name="release"),
    path("deelnemers/<str:ref>/regime/", views.regime, name="regime"),
    path("deelnemers/<str:ref>/team/", views.team, name="team"),
    path("deelnemers/<str:ref>/team/<int:pk>/beeindigen/", views.assignment_end,
         name="assignment_end"),
    path("deelnemers/<str:ref>/notities/", views.notes, name="notes"),
    path("deelnemers/<str:ref>/tijdlijn/", views.timeline_view, name="timeline"),
]
