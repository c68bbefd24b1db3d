"""Plan pages, mounted under /deelnemers/<ref>/ (the participant's ref comes from there)."""

from django.urls import path

from herstelpad.plans import views

app_name = "plans"
urlpatterns = [
    path("plan/", views.plan, name="plan"),
    path("plan/nieuwe-versie/", views.version_add, name="version_add"),
    path("plan/versies/<int:pk>/", views.version, name="version"),
    path("plan/versies/<int:pk>/ondertekening/", views.sign_off, name="sign_off"),
    path("doelen/nieuw/", views.goal_add, name="goal_add"),
    path("doelen/<str:goal_ref>/", views.goal, name="goal"),
    path("doelen/<str:goal_ref>/wijzigen/", views.goal_edit, name="goal_edit"),
    path("doelen/<str:goal_ref>/stand/", views.goal_status, name="goal_status"),
    path("doelen/<str:goal_ref>/oordeel/", views.goal_rating, name="goal_rating"),
    path("doelen/<str:goal_ref>/acties/nieuw/", views.action_add, name="action_add"),
    path("doelen/<str:goal_ref>/acties/<int:pk>/", views.action_edit, name="action_edit"),
    path("krachten/", views.strengths, name="strengths"),
    path("krachten/<str:domain>/", views.strengths_edit, name="strengths_edit"),
    path("gesprekken/", views.reviews, name="reviews"),
    path("gesprekken/nieuw/", views.review_add, name="review_add"),
    path("actieplan/", views.action_plan, name="action_plan"),
    path("actieplan/pdf/", views.action_plan_pdf, name="action_plan_pdf"),
]
