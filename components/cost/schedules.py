"""Hours a week at night size, from a scale-down / scale-up cron pair.

Off-hours schedules come as two cron expressions in the same time zone: one that scales a pool
down at the end of the working day and one that scales it back up (AWS scheduled actions'
``recurrence``, the off-hours CronJobs' ``schedule``). The time zone does not change the share
of the week spent scaled down, so it is ignored (daylight-saving shifts are too). Only weekly
patterns are understood: minute, hour and day-of-week may be ``*``, numbers, lists, ranges or
steps; day-of-month and month must be ``*``. Anything else is a :class:`ScheduleError`, and the
caller leaves the baseline hours as they are and says why.

Example: "0 18 * * 1-5" down and "0 8 * * 1-5" up is scaled down 14 h on each of the four
week nights and 62 h over the weekend (Friday 18:00 to Monday 08:00): 118 of 168 hours.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTES_PER_WEEK = 7 * 24 * 60
_DAY_NAMES = {
    name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))
}


class ScheduleError(ValueError):
    """A cron expression this module does not read as a weekly pattern."""


@dataclass(frozen=True)
class WeeklySchedule:
    """The share of a week between each scale-down and the next scale-up."""

    down: str
    up: str
    night_fraction: float

    @property
    def night_hours_per_week(self) -> float:
        return self.night_fraction * 168


def _values(
    field: str, low: int, high: int, what: str, names: dict[str, int] | None = None
) -> set[int]:
    found: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"{what} step {step_text!r} is not a positive number")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        else:
            first, _, last = base.partition("-")
            start = _number(first, low, high, what, names)
            end = _number(last, low, high, what, names) if last else (high if step_text else start)
        if end < start:
            raise ScheduleError(f"{what} range {base!r} runs backwards")
        found.update(range(start, end + 1, step))
    return found


def _number(token: str, low: int, high: int, what: str, names: dict[str, int] | None) -> int:
    if names and token.upper()[:3] in names and not token.isdigit():
        return names[token.upper()[:3]]
    if not token.isdigit():
        raise ScheduleError(f"{what} {token!r} is not a number")
    value = int(token)
    if not low <= value <= high:
        raise ScheduleError(f"{what} {value} is outside {low}-{high}")
    return value


def firing_minutes(cron: str) -> list[int]:
    """Minutes of the week (0 = Sunday 00:00) at which a weekly cron expression fires."""
    fields = cron.split()
    if len(fields) != 5:
        raise ScheduleError(f"{cron!r} has {len(fields)} fields; a cron expression has 5")
    minute, hour, day_of_month, month, weekday = fields
    if day_of_month not in ("*", "?") or month != "*":
        raise ScheduleError(f"{cron!r} depends on the day of month or month, not only the week")
    minutes = _values(minute, 0, 59, "minute")
    hours = _values(hour, 0, 23, "hour")
    days = {day % 7 for day in _values(weekday.replace("?", "*"), 0, 7, "day of week", _DAY_NAMES)}
    return sorted(d * 1440 + h * 60 + m for d in days for h in hours for m in minutes)


def weekly_schedule(down: str, up: str) -> WeeklySchedule:
    """How much of the week a pool spends scaled down between ``down`` and ``up`` firings."""
    events = [(minute, "down") for minute in firing_minutes(down)]
    events += [(minute, "up") for minute in firing_minutes(up)]
    if not events:
        raise ScheduleError("the schedules never fire")
    events.sort()
    state = events[-1][1]  # the state carried over from the end of the previous week
    night = 0
    previous = 0
    for minute, action in events:
        if state == "down":
            night += minute - previous
        state, previous = action, minute
    if state == "down":
        night += MINUTES_PER_WEEK - previous
    return WeeklySchedule(down=down, up=up, night_fraction=night / MINUTES_PER_WEEK)


__all__ = ["ScheduleError", "WeeklySchedule", "firing_minutes", "weekly_schedule"]
