from django.urls import path

from herstelpad.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("verify/", views.verify_chain, name="verify"),
]
