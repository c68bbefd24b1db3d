from django.urls import path

from herstelpad.consent import views

app_name = "consent"
urlpatterns = [
    path("<str:ref>/toestemming/", views.consent_list, name="list"),
    path("<str:ref>/toestemming/nieuw/", views.consent_add, name="add"),
    path("<str:ref>/toestemming/<int:pk>/intrekken/", views.consent_withdraw, name="withdraw"),
]
