"""Parameters of the analyses: one explicit `as_of` instant plus each analysis's own.

An analysis's parameters and their defaults are in its `analysis.toml`; `Params` holds
`as_of` and any overrides, per analysis: `Params(as_of, {"web_vitals": {"days": 30}})`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wedsync_analytics.analyses.catalog import ANALYSES, Analysis
from wedsync_analytics.errors import UserError


def check_funnels(value: Any) -> dict[str, tuple[str, ...]]:
    """Funnels as {name: ordered steps}; each needs at least two distinct step names."""
    if not isinstance(value, Mapping) or not value:
        raise UserError(f"funnels must map a funnel name to its steps, got {value!r}")
    out: dict[str, tuple[str, ...]] = {}
    for name, steps in value.items():
        steps = tuple(str(s) for s in steps)
        if len(steps) < 2 or len(set(steps)) != len(steps):
            raise UserError(
                f"funnel {name!r}: steps must be at least two distinct names, got {steps}"
            )
        out[str(name)] = steps
    return out


CHECKS = {"funnels": check_funnels}  # parameters whose values need more than a type


@dataclass(frozen=True)
class Params:
    """Every window ends at `as_of` (exclusive), never at the wall clock."""

    as_of: datetime
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise UserError("as_of must carry a timezone (e.g. 2025-06-14T12:00:00Z)")
        object.__setattr__(self, "as_of", self.as_of.astimezone(UTC))
        for name, values in self.overrides.items():
            if name not in ANALYSES:
                raise UserError(f"no analysis {name!r}; choose from {', '.join(ANALYSES)}")
            unknown = set(values) - set(ANALYSES[name].defaults)
            if unknown:
                raise UserError(
                    f"{name} has no parameter(s) {', '.join(sorted(unknown))}; "
                    f"it has: {', '.join(ANALYSES[name].defaults) or 'none'}"
                )

    def values(self, analysis: Analysis) -> dict[str, Any]:
        """`as_of` and the analysis's parameters (defaults, then overrides), checked."""
        merged = {**analysis.defaults, **self.overrides.get(analysis.name, {})}
        checked = {k: CHECKS[k](v) if k in CHECKS else v for k, v in merged.items()}
        return {"as_of": self.as_of, **checked}


def sql_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values for SQL placeholders: `funnels` becomes three parallel arrays, one element per
    step (`funnel_of_step`, `step_number` from 1, `step_name`); the rest as they are."""
    out = {k: v for k, v in values.items() if k != "funnels"}
    if "funnels" in values:
        rows = [
            (funnel, number, step)
            for funnel, steps in values["funnels"].items()
            for number, step in enumerate(steps, start=1)
        ]
        out["funnel_of_step"] = [r[0] for r in rows]
        out["step_number"] = [r[1] for r in rows]
        out["step_name"] = [r[2] for r in rows]
    return out


def parse_as_of(text: str) -> datetime:
    """An ISO 8601 instant; a naive value is read as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UserError(
            f"--as-of {text!r} is not an ISO 8601 time (e.g. 2025-06-14T12:00:00Z)"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
