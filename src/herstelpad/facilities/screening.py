"""Screening a candidate against a facility's eligibility criteria.

`evaluate` is pure (no database): it takes the criteria of one version (as `Rule`s), the
candidate's facts and the screening date, and explains every criterion. The outcome is
`eligible`, or the first failing reason in the order of `exclusion_reasons.csv`; every failing
reason is kept (in that order). The service layer (`services.screen`), the `candidates` import
and the tests use the same function, so a list and a referral are screened alike.

Criterion kinds and their reason codes:
- `sex` → `female` (the code list's one reason for sex: a candidate whose sex is not among the
  allowed values fails with it, whatever the value);
- `orders` → the flag's own code (`life_sentence`, `isd`, `tbs`, `clinic`,
  `immediate_release`, `pp`);
- `remaining_sentence` (`sentence_end_on − date` in days) → `end_date_too_soon` below
  `min_days`, `end_date_too_far` above `max_days`, `other` when the end date is not known
  (eligibility cannot be established, INTERCHANGE §2.5);
- `region` → `region` when a municipality is given and is not among the served ones (an
  unknown municipality is not served; an empty one passes, as the file leaves it empty);
- `language`, `regime`, `offence`, `work_hours` → `other`; a fact that is not known is not a
  failure but a point to check (status `unknown`), except the remaining sentence, as above;
- `judged` → never decided here: status `to_judge`, a person judges it in the route.
A failing criterion that allows exceptions passes when an exception with a reason is recorded
(status `excepted`); a hard criterion has no exception.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

ELIGIBLE = "eligible"
PASS, FAIL, EXCEPTED, UNKNOWN, TO_JUDGE = "pass", "fail", "excepted", "unknown", "to_judge"
ORDER_FLAGS = ("life_sentence", "isd", "tbs", "clinic", "immediate_release", "pp")
PROFICIENCY = ("none", "limited", "sufficient")
REASON_ORDER_FALLBACK = ("female", "life_sentence", "isd", "tbs", "clinic", "immediate_release",
                         "pp", "end_date_too_soon", "end_date_too_far", "region", "other")


@dataclass(frozen=True)
class Rule:
    id: int | None
    kind: str
    params: dict
    hard: bool = True
    description: str = ""


@dataclass
class Facts:
    sex: str = "unknown"
    sentence_end_on: dt.date | None = None
    life_sentence: bool = False
    isd: bool = False
    tbs: bool = False
    clinic: bool = False
    immediate_release: bool = False
    pp: bool = False
    municipality: str = ""          # as given (code or name)
    municipality_code: str | None = None  # resolved code, None when unknown or not given
    dutch_proficiency: str = "unknown"
    regime: str = ""
    offence_category: str = ""
    weekly_work_hours: int | None = None


@dataclass
class CriterionResult:
    rule: Rule
    status: str
    reason: str = ""  # reason code when failing (or excepted)
    detail: str = ""  # the facts behind it, for the explanation
    extra_reasons: list[str] = field(default_factory=list)  # `orders`: further flags hit


@dataclass
class Result:
    outcome: str
    reasons: list[str] = field(default_factory=list)
    results: list[CriterionResult] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.outcome == ELIGIBLE

    @property
    def reasons_text(self) -> str:
        return ",".join(self.reasons)


@lru_cache(maxsize=1)
def _reason_order_cached() -> tuple[str, ...]:
    from herstelpad.reference.models import Code

    codes = tuple(Code.objects.of("exclusion_reasons").order_by("position", "code")
                  .values_list("code", flat=True))
    return codes or REASON_ORDER_FALLBACK


def reason_order() -> tuple[str, ...]:
    """The codes of `exclusion_reasons.csv` in their order (from the reference data)."""
    try:
        return _reason_order_cached()
    except Exception:  # pragma: no cover - no database (pure tests)
        return REASON_ORDER_FALLBACK


def evaluate(rules: list[Rule], facts: Facts, on: dt.date, *, served: frozenset[str] = frozenset(),
             excepted: frozenset[int] = frozenset(),
             order: tuple[str, ...] | None = None) -> Result:
    """Screen `facts` on date `on` against `rules`. `served`: municipality codes the facility
    serves (for `region` with `served`); `excepted`: ids of rules with a recorded exception."""
    order = order or reason_order()
    results = [_check(rule, facts, on, served) for rule in rules]
    for result in results:
        if result.status == FAIL and not result.rule.hard and result.rule.id in excepted:
            result.status = EXCEPTED
    failing = set()
    for r in results:
        if r.status == FAIL:
            failing.add(r.reason)
            failing.update(r.extra_reasons)
    rank = {code: i for i, code in enumerate(order)}
    reasons = sorted(failing, key=lambda code: (rank.get(code, len(rank)), code))
    return Result(reasons[0] if reasons else ELIGIBLE, reasons, results)


def _check(rule: Rule, facts: Facts, on: dt.date, served: frozenset[str]) -> CriterionResult:
    p = rule.params or {}
    kind = rule.kind
    if kind == "sex":
        allowed = p.get("allowed") or []
        ok = not allowed or facts.sex in allowed
        return CriterionResult(rule, PASS if ok else FAIL, "" if ok else "female", facts.sex)
    if kind == "orders":
        excluded = [flag for flag in (p.get("excluded") or ORDER_FLAGS) if flag in ORDER_FLAGS]
        hits = [flag for flag in excluded if getattr(facts, flag)]
        if not hits:
            return CriterionResult(rule, PASS)
        # Each flag hit is its own reason (all are reported; `evaluate` orders them).
        return CriterionResult(rule, FAIL, hits[0], ",".join(hits), hits[1:])
    if kind == "remaining_sentence":
        if facts.sentence_end_on is None:
            return CriterionResult(rule, FAIL, "other", "sentence_end_on unknown")
        days = (facts.sentence_end_on - on).days
        if p.get("min_days") is not None and days < p["min_days"]:
            return CriterionResult(rule, FAIL, "end_date_too_soon", f"{days}")
        if p.get("max_days") is not None and days > p["max_days"]:
            return CriterionResult(rule, FAIL, "end_date_too_far", f"{days}")
        return CriterionResult(rule, PASS, "", f"{days}")
    if kind == "region":
        if not facts.municipality:
            return CriterionResult(rule, PASS)
        allowed = set(p.get("municipalities") or []) | (set(served) if p.get("served") else set())
        ok = facts.municipality_code is not None and facts.municipality_code in allowed
        return CriterionResult(rule, PASS if ok else FAIL, "" if ok else "region",
                               facts.municipality)
    if kind == "language":
        if facts.dutch_proficiency not in PROFICIENCY:
            return CriterionResult(rule, UNKNOWN)
        minimum = p.get("min_dutch", "sufficient")
        ok = PROFICIENCY.index(facts.dutch_proficiency) >= PROFICIENCY.index(minimum)
        return CriterionResult(rule, PASS if ok else FAIL, "" if ok else "other",
                               facts.dutch_proficiency)
    if kind == "regime":
        if not facts.regime:
            return CriterionResult(rule, UNKNOWN)
        ok = facts.regime in (p.get("allowed") or [])
        return CriterionResult(rule, PASS if ok else FAIL, "" if ok else "other", facts.regime)
    if kind == "offence":
        if not facts.offence_category:
            return CriterionResult(rule, UNKNOWN)
        ok = facts.offence_category not in (p.get("excluded") or [])
        return CriterionResult(rule, PASS if ok else FAIL, "" if ok else "other",
                               facts.offence_category)
    if kind == "work_hours":
        if facts.weekly_work_hours is None:
            return CriterionResult(rule, UNKNOWN)
        ok = facts.weekly_work_hours >= int(p.get("min_hours", 0))
        return CriterionResult(rule, PASS if ok else FAIL, "" if ok else "other",
                               str(facts.weekly_work_hours))
    return CriterionResult(rule, TO_JUDGE)
