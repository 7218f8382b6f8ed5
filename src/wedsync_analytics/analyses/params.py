"""Parameters of the analyses: one explicit `as_of` instant and the window lengths."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wedsync_analytics.errors import UserError

DEFAULT_FUNNEL_STEPS: tuple[str, ...] = (
    "signup",
    "onboarding_completed",
    "first_client_added",
    "subscription_started",
)


@dataclass(frozen=True)
class Params:
    """Every window ends at `as_of` (exclusive), never at the wall clock."""

    as_of: datetime
    hours: int = 24  # percentiles: the view's 24 hours
    days: int = 7  # error trending: 7 days (see per-analysis overrides)
    minutes: int = 60  # system health: 1 hour
    funnel_days: int = 30  # daily funnel step counts: 30 days
    steps: tuple[str, ...] = field(default=DEFAULT_FUNNEL_STEPS)
    window_days: int = 14  # funnel conversion window, from step 1, inclusive
    cohort_days: int = 30  # funnel cohorts: step 1 within this many days
    incident_days: int = 30  # incidents created in the last 30 days
    vitals_days: int = 365  # web vitals: one year, so both seasons appear

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise UserError("as_of must carry a timezone (e.g. 2025-06-14T12:00:00Z)")
        object.__setattr__(self, "as_of", self.as_of.astimezone(UTC))
        if len(self.steps) < 2 or len(set(self.steps)) != len(self.steps):
            raise UserError(f"funnel steps must be at least two distinct names, got {self.steps}")

    def for_analysis(self, name: str) -> Params:
        """The parameters as one analysis sees them (`days` is per analysis)."""
        days = {
            "funnel_daily": self.funnel_days,
            "incident_response": self.incident_days,
            "web_vitals": self.vitals_days,
        }.get(name, self.days)
        return Params(**{**self.__dict__, "days": days})

    def bind(self) -> dict[str, Any]:
        """Values for SQL placeholders (psycopg `%(name)s`, DuckDB `$name`)."""
        return {
            "as_of": self.as_of,
            "hours": self.hours,
            "days": self.days,
            "minutes": self.minutes,
            "steps": list(self.steps),
            "window_days": self.window_days,
            "cohort_days": self.cohort_days,
        }


def parse_as_of(text: str) -> datetime:
    """An ISO 8601 instant; a naive value is read as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UserError(
            f"--as-of {text!r} is not an ISO 8601 time (e.g. 2025-06-14T12:00:00Z)"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
