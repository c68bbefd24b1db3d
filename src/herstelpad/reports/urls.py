from django.urls import path

from herstelpad.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>/", views.detail, name="detail"),
    path("<slug:name>/download.<str:fmt>", views.download, name="download"),
]
