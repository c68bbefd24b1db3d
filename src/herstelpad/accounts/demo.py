"""Demo accounts: one for every role, most of them at PI Arnhem."""

from herstelpad.accounts.models import Role, User
from herstelpad.organisations.models import Institution, Organisation

# username, first name, last name, role, organisation code, institution codes
DEMO_USERS = [
    ("casemanager", "Sanne", "de Vries", Role.CASEMANAGER, "DJI", ["PI-ARNHEM"]),
    ("mentor", "Mohammed", "El Idrissi", Role.MENTOR, "DJI", ["PI-ARNHEM"]),
    ("herstelconsulent", "Ingrid", "Bakker", Role.HERSTELCONSULENT, "DJI", ["PI-ARNHEM"]),
    ("afdelingshoofd", "Peter", "Jansen", Role.UNIT_HEAD, "DJI", ["PI-ARNHEM"]),
    ("bemiddelaar", "Lotte", "Visser", Role.MEDIATOR, "PERSPECTIEF", []),
    ("aanbieder", "Kees", "Mulder", Role.COURSE_PROVIDER, "GEVANGENENZORG", []),
    ("vrijwilligers", "Anouk", "Smit", Role.VOLUNTEER_COORDINATOR, "GEVANGENENZORG", []),
    ("nazorg", "Fatima", "Yilmaz", Role.AFTERCARE_COORDINATOR, "GEM-ALMELO", []),
    ("reclassering", "Joost", "van Dijk", Role.PROBATION_OFFICER, "RN", []),
    ("onderzoeker", "Eva", "Hendriks", Role.RESEARCHER, "WODC", []),
    ("beheerder", "Ruud", "de Boer", Role.FUNCTIONAL_ADMIN, "HERSTELPAD", []),
    ("auditor", "Mirjam", "Kok", Role.AUDITOR, "HERSTELPAD", []),
]


def ensure_user(context, username, first_name, last_name, role, organisation_code,
                institution_codes) -> User:
    organisation = Organisation.objects.get(code=organisation_code)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_demo=True)
        user.set_password(context.password)
    user.first_name, user.last_name = first_name, last_name
    user.email = f"{username}@demo.herstelpad.invalid"
    user.role, user.organisation = role, organisation
    user.save()
    institutions = list(Institution.objects.filter(code__in=institution_codes))
    user.institutions.set(institutions)
    where = ", ".join(i.name for i in institutions) or organisation.name
    context.logins.append((username, str(Role(role).label), where))
    context.data.setdefault("users", {})[username] = user
    return user


def load(context) -> None:
    for spec in DEMO_USERS:
        ensure_user(context, *spec)
