from django.conf import settings

from herstelpad.web.navigation import menu_for


def shell(request):
    user = getattr(request, "user", None)
    menu = menu_for(user) if user is not None and user.is_authenticated else []
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    return {
        "main_menu": menu,
        "current_view": current,
        "herstelpad_env": settings.HERSTELPAD_ENV,
    }
