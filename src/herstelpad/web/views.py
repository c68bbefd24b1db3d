"""The application shell: home page per role, own account, error pages, health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from herstelpad import policy
from herstelpad.accounts.models import Role
from herstelpad.web.home import panels_for
from herstelpad.web.navigation import menu_for

ROLE_INTRODUCTIONS = {
    Role.CASEMANAGER: _("U bent eigenaar van het D&R-plan van uw gedetineerden, voert ongeveer "
                        "elke zes weken een trajectgesprek en verwijst naar interventies."),
    Role.MENTOR: _("U heeft dagelijks contact met uw deelnemers en legt korte notities vast "
                   "voor het team."),
    Role.HERSTELCONSULENT: _("U bent het aanspreekpunt voor herstel in de inrichting: u geeft "
                             "cursussen en verwijst naar herstelbemiddeling."),
    Role.UNIT_HEAD: _("U ziet de deelnemers en de voortgang van uw afdeling."),
    Role.MEDIATOR: _("U begeleidt herstelbemiddelingen. Alleen uw organisatie ziet de gegevens "
                     "van slachtoffers."),
    Role.COURSE_PROVIDER: _("U registreert uitvoeringen van uw cursussen en de deelname "
                            "daaraan. De inrichting ziet alleen wat het terugkoppelingsniveau "
                            "toestaat."),
    Role.VOLUNTEER_COORDINATOR: _("U plant de inzet van vrijwilligers. De inhoud van "
                                  "gesprekken wordt nooit vastgelegd."),
    Role.AFTERCARE_COORDINATOR: _("U regelt met de inrichting de basisvoorwaarden voor de "
                                  "terugkeer van inwoners van uw gemeente."),
    Role.PROBATION_OFFICER: _("U adviseert en houdt toezicht, ook na de uitstroom."),
    Role.RESEARCHER: _("U werkt met gepseudonimiseerde gegevens en gepubliceerde cijfers. "
                       "Kleine aantallen worden altijd afgeschermd."),
    Role.FUNCTIONAL_ADMIN: _("U beheert de referentiegegevens en de gebruikers."),
    Role.AUDITOR: _("U controleert wie welke persoonsgegevens heeft gezien of gewijzigd."),
}


@policy.requires("home.view")
def home(request):
    user = request.user
    tiles = [item for item in menu_for(user) if item.key != "home"]
    return render(request, "web/home.html", {
        "introduction": ROLE_INTRODUCTIONS.get(user.role, ""),
        "tiles": tiles,
        "institutions": user.institutions.all(),
        "panels": panels_for(request),
    })


@policy.requires("account.manage_own")
def account(request):
    from django_otp import devices_for_user

    user = request.user
    return render(request, "web/account.html", {
        "devices": list(devices_for_user(user, confirmed=True)),
        "institutions": user.institutions.all(),
    })


@policy.public
@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors and no database: the page must render whatever broke.
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({}))


def error_400(request, exception=None):
    return HttpResponse(loader.get_template("400.html").render({}, request), status=400)
