from django.urls import path

from herstelpad.facilities import views

app_name = "facilities"
V = "voorzieningen/"
K = "voorzieningen/kandidaten/<str:ref>/"
S = "voorzieningen/verblijven/<str:ref>/"
urlpatterns = [
    path(V, views.facility_list, name="list"),
    # A candidate (refs are unique over all facilities)
    path(K, views.candidate_detail, name="candidate"),
    path(f"{K}besluit/", views.decide, name="decide"),
    path(f"{K}terugtrekken/", views.withdraw, name="withdraw"),
    path(f"{K}heropenen/", views.reopen, name="reopen"),
    path(f"{K}voorscan/", views.prescan, name="prescan"),
    path(f"{K}uitzondering/", views.exception, name="exception"),
    path(f"{K}plaatsen/", views.place, name="place"),
    # A stay at a facility
    path(S, views.stay_detail, name="stay"),
    path(f"{S}proefperiode/", views.trial, name="trial"),
    path(f"{S}tijdelijk-terug/", views.temporary_return, name="temporary_return"),
    path(f"{S}tijdelijk-terug/<int:pk>/terugkeer/", views.end_temporary_return,
         name="end_temporary_return"),
    path(f"{S}terugplaatsen/", views.definitive_return, name="definitive_return"),
    path(f"{S}vertrek/", views.outflow, name="outflow"),
    # A facility
    path(f"{V}<str:code>/", views.facility_detail, name="facility"),
    path(f"{V}<str:code>/kandidaten/", views.board, name="board"),
    path(f"{V}<str:code>/kandidaten/nieuw/", views.candidate_add, name="candidate_add"),
    path(f"{V}<str:code>/verblijven/", views.stays, name="stays"),
    path(f"{V}<str:code>/cijfers/", views.dashboard, name="dashboard"),
]
