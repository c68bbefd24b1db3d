"""Sign-in, two-factor enrolment and the own account, with their policy declarations.

The views are django-two-factor-auth's (TOTP through django-otp); this module only mounts them
and says what each needs."""

from django.contrib.auth.views import LogoutView
from django.urls import path
from two_factor.views import (
    BackupTokensView,
    DisableView,
    LoginView,
    QRGeneratorView,
    SetupCompleteView,
    SetupView,
)

from herstelpad import policy
from herstelpad.web import views as web_views

OWN = "account.manage_own"

app_name = "two_factor"
urlpatterns = [
    path("account/login/", policy.declare(LoginView.as_view(), policy.PUBLIC), name="login"),
    path("account/logout/", policy.declare(LogoutView.as_view(), OWN), name="logout"),
    path("account/", web_views.account, name="profile"),
    path("account/two_factor/setup/", policy.declare(SetupView.as_view(), OWN), name="setup"),
    path("account/two_factor/qrcode/", policy.declare(QRGeneratorView.as_view(), OWN),
         name="qr"),
    path("account/two_factor/setup/complete/",
         policy.declare(SetupCompleteView.as_view(), OWN), name="setup_complete"),
    path("account/two_factor/backup/tokens/",
         policy.declare(BackupTokensView.as_view(), OWN), name="backup_tokens"),
    path("account/two_factor/disable/", policy.declare(DisableView.as_view(), OWN),
         name="disable"),
]
