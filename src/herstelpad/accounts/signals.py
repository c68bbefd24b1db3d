from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from herstelpad.audit.models import Action
from herstelpad.audit.services import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(Action.LOGIN, obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Action.LOGOUT, obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The user name tried is kept; the password never is.
    username = str(credentials.get("username", ""))[:150]
    record(Action.LOGIN_FAILED, details={"username": username})
