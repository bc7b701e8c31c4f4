"""The monthly budget a stack sets itself, read from its budget resources in wire form.

The estimate is compared against a monthly figure. A stack states its budget in the budget
resources it creates (AWS Budgets, GCP billing budgets, Azure consumption budgets), whoever
wrote the program; ``thrifty plan`` and the pack's ``monthly-cost-within-budget`` gate read it
the same way from here. Only cost budgets in US dollars count (a usage budget or another
currency says nothing about this estimate). A quarterly or annual budget is spread evenly over
its months (a 14,000 USD quarter is 4,666.67 USD a month); when a stack has budgets of several
periods, the monthly one is used, and among several monthly ones the smallest, the one that
alerts first. Values unknown during preview or malformed are skipped and reported with the
reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from thrifty.cost.props import NotPriced, number, text
from thrifty.cost.spec import CostInput

#: Months in each budget period, by the spelling each provider's API uses.
_PERIOD_MONTHS: dict[str, float] = {
    # AWS Budgets ``timeUnit``
    "MONTHLY": 1,
    "QUARTERLY": 3,
    "ANNUALLY": 12,
    # GCP ``budgetFilter.calendarPeriod``
    "MONTH": 1,
    "QUARTER": 3,
    "YEAR": 12,
    # Azure ``timeGrain``
    "Monthly": 1,
    "Quarterly": 3,
    "Annually": 12,
    "BillingMonth": 1,
    "BillingQuarter": 3,
    "BillingAnnual": 12,
}


@dataclass(frozen=True)
class BudgetFigure:
    """One budget resource's limit, and what it means per month."""

    urn: str
    name: str
    amount: float
    period_months: float
    currency: str = "USD"

    @property
    def monthly(self) -> float:
        return self.amount / self.period_months


@dataclass(frozen=True)
class StackBudget:
    """The monthly budget the estimate is held to, and where it came from."""

    monthly: float
    source: str
    figures: tuple[BudgetFigure, ...] = ()
    skipped: tuple[str, ...] = ()


def _aws(props: Mapping[str, Any]) -> tuple[float | None, object, object]:
    if text(props, "budgetType", "COST") != "COST":
        return None, None, None
    return number(props, "limitAmount"), text(props, "timeUnit"), text(props, "limitUnit", "USD")


def _gcp(props: Mapping[str, Any]) -> tuple[float | None, object, object]:
    units = number(props, "amount.specifiedAmount.units")
    nanos = number(props, "amount.specifiedAmount.nanos", 0.0)
    period = text(props, "budgetFilter.calendarPeriod", "MONTH")
    return units + nanos / 1e9, period, text(props, "amount.specifiedAmount.currencyCode", "USD")


def _azure(props: Mapping[str, Any]) -> tuple[float | None, object, object]:
    if text(props, "category", "Cost") != "Cost":
        return None, None, None
    return number(props, "amount"), text(props, "timeGrain"), "USD"


_READERS = {
    "aws:budgets/budget:Budget": _aws,
    "gcp:billing/budget:Budget": _gcp,
    "azure-native:consumption:Budget": _azure,
    "azure-native:costmanagement:Budget": _azure,
}

BUDGET_TYPES = frozenset(_READERS)


def budget_figures(resources: Sequence[CostInput]) -> tuple[list[BudgetFigure], list[str]]:
    """Every readable cost budget among ``resources``, and the names of those skipped (why)."""
    figures: list[BudgetFigure] = []
    skipped: list[str] = []
    for resource in resources:
        reader = _READERS.get(resource.type)
        if reader is None:
            continue
        try:
            amount, period, currency = reader(resource.props)
        except NotPriced as problem:
            skipped.append(f"{resource.name} ({problem.reason})")
            continue
        if amount is None:
            continue  # a usage or RI budget: it says nothing about this estimate
        months = _PERIOD_MONTHS.get(str(period))
        if amount <= 0 or months is None:
            skipped.append(f"{resource.name} (amount {amount:g} per {period}: not a budget)")
            continue
        if str(currency or "USD").upper() != "USD":
            skipped.append(f"{resource.name} (currency {currency}, the estimate is in USD)")
            continue
        figures.append(BudgetFigure(resource.urn, resource.name, amount, months))
    return figures, skipped


def stack_budget(
    resources: Sequence[CostInput],
    configured_monthly: float | None = None,
    configured_by: str = "configuration",
) -> StackBudget | None:
    """The monthly budget: ``configured_monthly`` when given (``configured_by`` says where it
    was set, for the report), else the stack's own budgets."""
    figures, skipped = budget_figures(resources)
    if configured_monthly is not None:
        return StackBudget(configured_monthly, configured_by, tuple(figures), tuple(skipped))
    if not figures:
        return None
    monthly = [figure for figure in figures if figure.period_months == 1] or figures
    chosen = min(monthly, key=lambda figure: figure.monthly)
    return StackBudget(
        chosen.monthly, f"budget resource {chosen.name}", tuple(figures), tuple(skipped)
    )
