from django.urls import path

from herstelpad.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("<slug:kind>/", views.kind_page, name="kind"),
]
