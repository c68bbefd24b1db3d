"""The test KIND `test-widgets`: every column type, a secondary target (owners), cross-row rules
(duplicate keys, agreement between rows, references to existing owners, dates in order)."""

from django.utils import timezone

from herstelpad import policy
from herstelpad.imports.engine import Column, Counts, ImportKind
from herstelpad.imports.registry import register
from tests.testapp.models import Owner, Widget


@register
class TestWidgets(ImportKind):
    name = "test-widgets"
    label = "Test widgets"
    permission = "reference.manage"
    key = "widget_ref"
    columns = [
        Column("widget_ref", "ref", required=True),
        Column("owner_ref", "ref", required=True),
        Column("owner_name", "text", max_length=40),
        Column("institution", "text", required=True, max_length=64),
        Column("category", "code", required=True, code_list="domains"),
        Column("made_on", "date", required=True),
        Column("retired_on", "date"),
        Column("amount", "int", min_value=0, max_value=1000),
        Column("active", "bool"),
        Column("built_in", "year"),
        Column("size", "choice", choices=("small", "large")),
        Column("note", "text", max_length=500),
    ]

    def row_errors(self, row):
        if row["retired_on"] and row["retired_on"] < row["made_on"]:
            yield "retired_on", "ligt voor made_on"

    def scope_values(self, user):
        if user is None:
            return None
        return {"institution": set(policy.visible_institutions(user).values_list("code",
                                                                                 flat=True))}

    def checks(self, stage):
        yield from super().checks(stage)
        yield from stage.disagreeing("owner_ref", "owner_name",
                                     "andere naam dan rij %(row)d voor deze eigenaar")
        from herstelpad.organisations.models import Institution

        yield from stage.unknown_references("institution", Institution, "code",
                                            reason="onbekende inrichting")

    def write(self, stage, *, dry_run):
        now = stage.now
        owners = stage.upsert(
            Owner, key="ref", key_expr="s.owner_ref",
            fields={"name": "COALESCE(s.owner_name, '')"},
            insert_only={"version": "1"},
            on_update={"version": f"{stage.qn_table(Owner)}.version + 1", "updated_at": now},
            source=(f"(SELECT owner_ref, MAX(owner_name) AS owner_name FROM {stage.t} "
                    "GROUP BY owner_ref) s"),
            dry_run=dry_run,
        )
        widgets = stage.upsert(
            Widget, key="ref", key_expr="s.widget_ref",
            source=(f"{stage.t} s LEFT JOIN testapp_owner o ON o.ref = s.owner_ref "
                    "LEFT JOIN organisations_institution i ON i.code = s.institution"),
            fields={"owner": "o.id", "institution": "i.id", "category": "s.category",
                    "made_on": "s.made_on", "retired_on": "s.retired_on",
                    "amount": "s.amount", "active": "s.active", "note": "s.note"},
            insert_only={"version": "1"},
            on_update={"version": f"{stage.qn_table(Widget)}.version + 1"},
            dry_run=dry_run,
        )
        return widgets, {"owners": owners.as_dict()}
