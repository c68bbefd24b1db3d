"""The mediation figures (INTERCHANGE §3.4–§3.8) and referrals per institution, declared for the
report engine: one aggregation query each, the total rows and percentages declared so that
disclosure control protects them.

Counting rules (INTERCHANGE):
- `mediation-intake`: cases by the year of `received_on` (received in the period); `assigned`
  counts those with an `assigned_on`.
- `mediation-outcomes`: assigned cases by the year of `closed_on` (closed in the period) — the
  closure year, not the application year; `with_contact` counts those with a contact form.
- `mediation-stop-reasons`: assigned cases closed in the period without contact, per stop
  reason (every code, zeros included).
- `mediation-contact-forms`: cases closed in the period with contact, per contact form.
- `mediation-durations`: assigned cases closed in the period, by calendar months from
  `assigned_on` to `closed_on` (`AddMonths`, computed in the database).

Institutions: with `--institution`, cases of those institutions; without, the institutions the
user may see — for national roles (mediators, researchers, functional administrators) and the
command line that is every case, including cases with no institution (requests from probation,
victim support, the police, …).
Ordering: years ascending; within a year the channels in the order of `mediation_channels.csv`,
then the `*` row; code rows in code-list order.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.mediation.dbfunctions import AddMonths
from herstelpad.mediation.models import MediationCase
from herstelpad.reports.definitions import (
    DIMENSION,
    PCT,
    Chart,
    Col,
    Param,
    Report,
    RowSum,
    TotalRows,
)
from herstelpad.reports.functions import Year
from herstelpad.reports.registry import register

PERMISSION = "mediation.figures"
CHANNELS = Param("channels", _("Aanmeldroutes"), "codes", code_list="mediation_channels",
                 default=[], help=_("Komma-gescheiden codes, bijvoorbeeld pi,self; leeg: alle."))
BUCKETS = ("lt1m", "1to3m", "3to6m", "gt6m")
BUCKET_LABELS = {"lt1m": _("korter dan 1 maand"), "1to3m": _("1 tot 3 maanden"),
                 "3to6m": _("3 tot 6 maanden"), "gt6m": _("6 maanden of langer")}
LAST = 1_000_000  # sorts the `*` row after the channels of its year


def in_scope(ctx, qs, path: str = "institution_id"):
    """The cases of the institutions in the report's scope (see the module docstring)."""
    ids = ctx.institution_ids
    if ids is None:
        return qs
    user = ctx.user
    if (user is not None and user.role in {r.value for r in policy.NATIONAL_ROLES}
            and set(ids) == set(policy.visible_institution_ids(user))):
        return qs
    return qs.filter(**{f"{path}__in": ids})


def in_period(ctx, qs, field: str):
    qs = qs.filter(**{f"{field}__lte": ctx.date_to})
    if ctx.date_from:
        qs = qs.filter(**{f"{field}__gte": ctx.date_from})
    return qs


def _channel_position():
    from herstelpad.reference.models import Code

    return Subquery(Code.objects.filter(code_list__name="mediation_channels",
                                        code=OuterRef("channel")).values("position")[:1])


def _per_year_and_channel(qs, year_field: str, measures: dict, names: tuple[str, ...]):
    """Rows per (year, channel) plus a `*` row per year, in one UNION query, ordered."""
    qs = qs.order_by().annotate(year=Year(year_field))
    per_channel = (qs.values("year", "channel").annotate(**measures)
                   .annotate(pos=_channel_position())
                   .values_list("year", "channel", *names, "pos"))
    per_year = (qs.values("year").annotate(**measures)
                .annotate(cat=Value("*", output_field=CharField()),
                          pos=Value(LAST, output_field=IntegerField()))
                .values_list("year", "cat", *names, "pos"))
    rows = per_channel.union(per_year, all=True).order_by("year", "pos", "channel")
    return [tuple(row[:-1]) for row in rows]


def _channels(ctx, qs):
    chosen = ctx.params.get("channels") or []
    return qs.filter(channel__in=chosen) if chosen else qs


@register
class MediationIntake(Report):
    name = "mediation-intake"
    title = _("Herstelbemiddeling: aanmeldingen per jaar")
    description = _("Aanmeldingen naar het jaar van aanmelding en aanmeldroute, en hoeveel "
                    "daarvan aan een bemiddelaar zijn toegewezen (INTERCHANGE §3.4).")
    permission = PERMISSION
    params = [CHANNELS]
    columns = [
        Col("year", _("Jaar"), DIMENSION),
        Col("channel", _("Aanmeldroute"), DIMENSION, labels="code_list:mediation_channels"),
        Col("applications", _("Aanmeldingen")),
        Col("assigned", _("Toegewezen")),
        Col("pct_assigned", _("% toegewezen"), PCT, numerator="assigned",
            denominator="applications"),
    ]
    total_rows = TotalRows("channel", ("year",), ("applications", "assigned"))
    chart = Chart("bar", "year", ("applications",), split_by="channel",
                  title=_("Aanmeldingen per jaar en aanmeldroute"))

    def rows(self, ctx):
        qs = _channels(ctx, in_period(ctx, in_scope(ctx, MediationCase.objects.all()),
                                      "received_on"))
        return _per_year_and_channel(qs, "received_on", {
            "applications": Count("id"),
            "assigned": Count("id", filter=Q(assigned_on__isnull=False))},
            ("applications", "assigned"))


@register
class MediationOutcomes(Report):
    name = "mediation-outcomes"
    title = _("Herstelbemiddeling: afgesloten zaken en contact")
    description = _("Toegewezen zaken naar het jaar van afsluiting (niet van aanmelding), en "
                    "hoeveel daarvan met contact tussen de partijen (INTERCHANGE §3.5).")
    permission = PERMISSION
    params = [CHANNELS]
    columns = [
        Col("year", _("Jaar van afsluiting"), DIMENSION),
        Col("channel", _("Aanmeldroute"), DIMENSION, labels="code_list:mediation_channels"),
        Col("closed", _("Afgesloten")),
        Col("with_contact", _("Met contact")),
        Col("pct_contact", _("% met contact"), PCT, numerator="with_contact",
            denominator="closed"),
    ]
    total_rows = TotalRows("channel", ("year",), ("closed", "with_contact"))
    chart = Chart("bar", "year", ("closed",), split_by="channel",
                  title=_("Afgesloten zaken per jaar en aanmeldroute"))

    def rows(self, ctx):
        qs = _channels(ctx, in_period(ctx, in_scope(ctx, MediationCase.objects.filter(
            assigned_on__isnull=False, closed_on__isnull=False)), "closed_on"))
        return _per_year_and_channel(qs, "closed_on", {
            "closed": Count("id"),
            "with_contact": Count("id", filter=~Q(contact_form=""))},
            ("closed", "with_contact"))


def _per_code(list_name: str, cases, field: str):
    """Every code of a list (in list order) with the number of `cases` carrying it: one query
    (a correlated count per code)."""
    from herstelpad.reference.models import Code

    counted = (cases.filter(**{field: OuterRef("code")}).order_by().values(field)
               .annotate(n=Count("id")).values("n"))
    return [tuple(row) for row in Code.objects.filter(code_list__name=list_name)
            .order_by("position", "code")
            .annotate(cases=Coalesce(Subquery(counted[:1]), 0))
            .values_list("code", "cases")]


@register
class MediationStopReasons(Report):
    name = "mediation-stop-reasons"
    title = _("Herstelbemiddeling: redenen van beëindiging zonder contact")
    description = _("Toegewezen zaken die in de periode zonder contact zijn afgesloten, naar "
                    "reden (INTERCHANGE §3.6).")
    permission = PERMISSION
    columns = [
        Col("stop_reason", _("Reden"), DIMENSION, labels="code_list:mediation_stop_reasons"),
        Col("cases", _("Zaken")),
        Col("pct", _("%"), PCT, numerator="cases", of_total=()),
    ]
    chart = Chart("bar", "stop_reason", ("cases",), title=_("Zaken zonder contact naar reden"))

    def rows(self, ctx):
        cases = in_period(ctx, in_scope(ctx, MediationCase.objects.filter(
            assigned_on__isnull=False, closed_on__isnull=False, contact_form="")), "closed_on")
        return _per_code("mediation_stop_reasons", cases, "stop_reason")


@register
class MediationContactForms(Report):
    name = "mediation-contact-forms"
    title = _("Herstelbemiddeling: vormen van contact")
    description = _("Zaken die in de periode met contact zijn afgesloten, naar de vorm van het "
                    "contact (INTERCHANGE §3.7).")
    permission = PERMISSION
    columns = [
        Col("contact_form", _("Vorm van contact"), DIMENSION,
            labels="code_list:mediation_contact_forms"),
        Col("cases", _("Zaken")),
        Col("pct", _("%"), PCT, numerator="cases", of_total=()),
    ]
    chart = Chart("bar", "contact_form", ("cases",), title=_("Zaken met contact naar vorm"))

    def rows(self, ctx):
        cases = in_period(ctx, in_scope(ctx, MediationCase.objects.filter(
            closed_on__isnull=False).exclude(contact_form="")), "closed_on")
        return _per_code("mediation_contact_forms", cases, "contact_form")


@register
class MediationDurations(Report):
    name = "mediation-durations"
    title = _("Herstelbemiddeling: doorlooptijd van toewijzing tot afsluiting")
    description = _("Toegewezen zaken die in de periode zijn afgesloten, naar doorlooptijd in "
                    "kalendermaanden: lt1m (korter dan 1 maand), 1to3m, 3to6m, gt6m "
                    "(INTERCHANGE §3.8).")
    permission = PERMISSION
    columns = [
        Col("bucket", _("Doorlooptijd"), DIMENSION),
        Col("cases", _("Zaken")),
        Col("pct", _("%"), PCT, numerator="cases", of_total=()),
    ]
    chart = Chart("bar", "bucket", ("cases",), title=_("Zaken naar doorlooptijd"))

    def rows(self, ctx):
        cases = in_period(ctx, in_scope(ctx, MediationCase.objects.filter(
            assigned_on__isnull=False, closed_on__isnull=False)), "closed_on")
        one, three, six = (AddMonths("assigned_on", n) for n in (1, 3, 6))
        bucket = Case(
            When(closed_on__lt=one, then=Value("lt1m")),
            When(closed_on__lt=three, then=Value("1to3m")),
            When(closed_on__lt=six, then=Value("3to6m")),
            default=Value("gt6m"), output_field=CharField())
        counts = cases.annotate(bucket=bucket).aggregate(
            **{f"n_{i}": Count("id", filter=Q(bucket=name)) for i, name in enumerate(BUCKETS)})
        return [(name, counts[f"n_{i}"]) for i, name in enumerate(BUCKETS)]


@register
class MediationInstitutions(Report):
    name = "mediation-institutions"
    title = _("Herstelbemiddeling: aanmeldingen per inrichting")
    description = _("Aanmeldingen in de periode per PI en JJI, naar route, en of er in de "
                    "inrichting een herstelconsulent (aandachtsfunctionaris herstel) werkt: "
                    "waar zo iemand is, wordt vaker aangemeld.")
    permission = PERMISSION
    columns = [
        Col("institution", _("Inrichting"), DIMENSION, labels="institution"),
        Col("contact_person", _("Herstelconsulent aanwezig"), DIMENSION),
        Col("applications", _("Aanmeldingen")),
        Col("via_staff", _("Via medewerkers")),
        Col("self_referrals", _("Zelfaanmeldingen")),
        Col("other_channels", _("Andere routes")),
        Col("assigned", _("Toegewezen")),
        Col("pct_assigned", _("% toegewezen"), PCT, numerator="assigned",
            denominator="applications"),
    ]
    row_sums = [RowSum(("via_staff", "self_referrals", "other_channels"), "applications")]
    chart = Chart("bar", "institution", ("applications",),
                  title=_("Aanmeldingen per inrichting"))

    def rows(self, ctx):
        from herstelpad.accounts.models import Role, User
        from herstelpad.organisations.models import Institution

        cases = in_period(ctx, MediationCase.objects.filter(institution_id=OuterRef("pk")),
                          "received_on")

        def count(extra: Q | None = None):
            qs = cases.filter(extra) if extra is not None else cases
            return Coalesce(Subquery(qs.order_by().values("institution_id")
                                     .annotate(n=Count("id")).values("n")[:1]), 0)

        institutions = Institution.objects.filter(type__in=("pi", "jji"))
        if ctx.institution_ids is not None:
            institutions = institutions.filter(pk__in=ctx.institution_ids)
        consultant = User.objects.filter(role=Role.HERSTELCONSULENT, is_active=True,
                                         institutions=OuterRef("pk"))
        rows = (institutions.annotate(
            contact_person=Case(When(Exists(consultant), then=Value("yes")),
                                default=Value("no"), output_field=CharField()),
            applications=count(), via_staff=count(Q(channel__in=("pi", "jji"))),
            self_referrals=count(Q(channel="self")),
            other_channels=count(~Q(channel__in=("pi", "jji", "self"))),
            assigned=count(Q(assigned_on__isnull=False)))
            .order_by("name").values_list("code", "contact_person", "applications",
                                          "via_staff", "self_referrals", "other_channels",
                                          "assigned"))
        return [tuple(row) for row in rows]
