"""Reading single wire values the same way everywhere: how a bad value is shown, what a number is.

The policy rules (:mod:`thrifty.policies.core`) and the estimator (:mod:`thrifty.cost.props`)
read the same engine-sent props and must agree on what counts as a number (numeric text yes,
booleans and non-finite values no) and on how a bad value appears in a message. Each raises its
own exception ("not checkable", "not priced") from the :class:`WireValueError` raised here.
Plain Python: no SDK.
"""

from __future__ import annotations

import math

#: The longest a value is shown in a message before it is cut.
SHOWN_LENGTH = 60


class WireValueError(ValueError):
    """A wire value is not what the reader needs; the message names the path and the value."""


def describe(value: object) -> str:
    """A value as messages show it: its repr, cut to :data:`SHOWN_LENGTH` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 3] + "..."


def finite_number(value: object, path: str) -> float:
    """A finite number from a wire value (numbers, or numeric text as config sometimes gives)."""
    if isinstance(value, bool):
        raise WireValueError(f"{path} should be a number, got {describe(value)}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise WireValueError(f"{path} should be a number, got {describe(value)}") from None
    else:
        raise WireValueError(f"{path} should be a number, got {describe(value)}")
    if not math.isfinite(number):
        raise WireValueError(f"{path} should be a finite number, got {describe(value)}")
    return number
