"""A generation scenario: market, dates, organizations, seed and a named scale preset."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date

from wedsync_analytics.errors import UserError
from wedsync_analytics.generate.calendar import MARKETS

MAX_DAYS = 3660


@dataclass(frozen=True)
class Preset:
    """Defaults of a named scale."""

    name: str
    start: date
    days: int
    suppliers: int
    couples: int
    volume: float  # multiplier of the per-organization daily event rates
    description: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("tiny", date(2025, 6, 2), 14, 12, 28, 0.5, "tests: about 12 thousand rows"),
        Preset("small", date(2025, 5, 1), 60, 50, 110, 1.0, "the demo: about 270 thousand rows"),
        Preset("season", date(2025, 4, 1), 180, 700, 1600, 1.0, "a wedding season: ~10.5 M rows"),
        Preset("peak", date(2025, 1, 1), 365, 1000, 2400, 1.0, "a busy year: ~31 M rows"),
    )
}


@dataclass(frozen=True)
class Scenario:
    """Everything that determines the generated rows (the clock never does)."""

    scale: str
    seed: int
    market: str
    start: date
    days: int
    suppliers: int
    couples: int
    volume: float

    @property
    def organizations(self) -> int:
        return self.suppliers + self.couples

    def to_json(self) -> str:
        """Canonical JSON of the scenario (dates as ISO strings, keys sorted)."""
        data = asdict(self)
        data["start"] = self.start.isoformat()
        return json.dumps(data, sort_keys=True)

    @property
    def fingerprint(self) -> str:
        """Short hash identifying the scenario (same arguments -> same fingerprint)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


def parse_date(text: str) -> date:
    """An ISO date, or a UserError."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"invalid --start date {text!r}: use YYYY-MM-DD, e.g. 2025-05-01") from None


def build_scenario(
    scale: str = "small",
    seed: int = 0,
    market: str = "us",
    start: date | str | None = None,
    days: int | None = None,
    suppliers: int | None = None,
    couples: int | None = None,
) -> Scenario:
    """A validated scenario from a preset and overrides; UserError on invalid input."""
    preset = PRESETS.get(scale)
    if preset is None:
        raise UserError(f"unknown scale {scale!r}: choose one of {', '.join(PRESETS)}")
    if market not in MARKETS:
        raise UserError(f"unknown market {market!r}: choose one of {', '.join(MARKETS)}")
    if isinstance(start, str):
        start = parse_date(start)
    scenario = Scenario(
        scale=scale,
        seed=seed,
        market=market,
        start=start or preset.start,
        days=preset.days if days is None else days,
        suppliers=preset.suppliers if suppliers is None else suppliers,
        couples=preset.couples if couples is None else couples,
        volume=preset.volume,
    )
    validate(scenario)
    return scenario


def validate(s: Scenario) -> None:
    """Raise UserError when the scenario cannot be generated."""
    if not 0 <= s.seed < 2**63:
        raise UserError(f"invalid seed {s.seed}: use an integer from 0 to 2**63-1")
    if s.market not in MARKETS:
        raise UserError(f"unknown market {s.market!r}: choose one of {', '.join(MARKETS)}")
    if not 1 <= s.days <= MAX_DAYS:
        raise UserError(f"invalid --days {s.days}: use a whole number from 1 to {MAX_DAYS}")
    if s.suppliers < 1 or s.couples < 1:
        raise UserError("a scenario needs at least one supplier and one couple organization")
    if not date(2000, 1, 1) <= s.start <= date(2100, 1, 1):
        raise UserError(f"invalid --start {s.start}: use a date between 2000 and 2100")


def with_overrides(s: Scenario, **changes: object) -> Scenario:
    """A copy of `s` with fields changed, validated."""
    out = replace(s, **changes)  # type: ignore[arg-type]
    validate(out)
    return out
