"""User accounts. Every user belongs to one organisation, has one role and optionally works at
one or more institutions. What a role may do is decided in `herstelpad.policy`, nowhere else."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.registry import AuditedModel


class Role(models.TextChoices):
    CASEMANAGER = "casemanager", _("Casemanager")
    MENTOR = "mentor", _("Mentor")
    HERSTELCONSULENT = "herstelconsulent", _("Herstelconsulent")
    UNIT_HEAD = "unit_head", _("Afdelingshoofd")
    MEDIATOR = "mediator", _("Bemiddelaar")
    COURSE_PROVIDER = "course_provider", _("Aanbieder van cursussen")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Coördinator vrijwilligers")
    AFTERCARE_COORDINATOR = "aftercare_coordinator", _("Nazorgcoördinator gemeente")
    PROBATION_OFFICER = "probation_officer", _("Reclasseringswerker")
    # The ministry's selection officer (Dienst Individuele Zaken): decides placements in
    # facilities on the selection advice (issue 7).
    SELECTION_OFFICER = "selection_officer", _("Selectiefunctionaris DIZ")
    RESEARCHER = "researcher", _("Onderzoeker")
    FUNCTIONAL_ADMIN = "functional_admin", _("Functioneel beheerder")
    AUDITOR = "auditor", _("Auditor")


class HerstelpadUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is the platform's first functional administrator; the policy, not the
        # superuser flag, decides what it may do.
        extra_fields.setdefault("role", Role.FUNCTIONAL_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AuditedModel, AbstractUser):
    audit_exclude_fields = frozenset({"last_login"})

    role = models.CharField(_("rol"), max_length=32, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="users", verbose_name=_("organisatie"),
    )
    institutions = models.ManyToManyField(
        "organisations.Institution", blank=True, related_name="staff",
        verbose_name=_("inrichtingen"),
        help_text=_("De inrichtingen waar deze gebruiker werkt."),
    )
    is_demo = models.BooleanField(
        _("demo-account"), default=False, editable=False,
        help_text=_("Aangemaakt door 'herstelpad demo'."),
    )

    objects = HerstelpadUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
