"""Growth models of a capacity curve, their error, the breach volume and the prediction check.

Time: a power law t = a * V**b fitted by least squares on (log V, log t). Pages: a line
p = c + d * V fitted by least squares. The error on the points is the largest relative
difference |model - measured| / measured. The prediction check fits on every volume but
the largest and predicts the largest: its relative error decides whether the breach volume
(the V at which the fitted time reaches the budget, from the fit on every volume) is shown.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from wedsync_analytics.errors import UserError


@dataclass(frozen=True)
class PowerFit:
    """t = a * V**b."""

    a: float
    b: float

    def predict(self, volume: float) -> float:
        return self.a * volume**self.b

    def breach(self, budget: float) -> float | None:
        """The volume at which the model reaches `budget`; None if it never grows (b <= 0),
        infinity if that volume is beyond the largest float (a nearly flat curve)."""
        if self.b <= 0:
            return None
        log_volume = (math.log(budget) - math.log(self.a)) / self.b
        if log_volume >= math.log(sys.float_info.max):
            return math.inf
        return math.exp(log_volume)


@dataclass(frozen=True)
class LinearFit:
    """p = intercept + slope * V."""

    intercept: float
    slope: float

    def predict(self, volume: float) -> float:
        return self.intercept + self.slope * volume


def _points(volumes: list[float], values: list[float], least: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(volumes, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.size != y.size or np.unique(x).size < least:
        raise UserError(f"a fit needs at least {least} distinct volumes, got {np.unique(x).size}")
    if (x <= 0).any() or (y <= 0).any():
        raise UserError("a growth fit needs positive volumes and measurements")
    return x, y


def fit_power(volumes: list[float], values: list[float]) -> PowerFit:
    """Least squares of log t = log a + b log V."""
    x, y = _points(volumes, values, 2)
    b, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return PowerFit(float(math.exp(log_a)), float(b))


def fit_linear(volumes: list[float], values: list[float]) -> LinearFit:
    """Least squares of p = c + d V."""
    x, y = _points(volumes, values, 2)
    slope, intercept = np.polyfit(x, y, 1)
    return LinearFit(float(intercept), float(slope))


def max_relative_error(
    model: PowerFit | LinearFit, volumes: list[float], values: list[float]
) -> float:
    """Largest |model(V) - measured| / measured over the points."""
    return max(abs(model.predict(v) - y) / y for v, y in zip(volumes, values, strict=True))


@dataclass(frozen=True)
class Growth:
    """A fitted curve, its error on the points, and the held-out check of the largest volume."""

    model: PowerFit | LinearFit
    error_on_points: float
    predicted_largest: float
    measured_largest: float
    prediction_error: float

    def trusted(self, tolerance: float) -> bool:
        return self.prediction_error <= tolerance


def growth(kind: str, volumes: list[float], values: list[float]) -> Growth:
    """Fit `kind` (power | linear) on all points, and on all but the largest to predict it."""
    fit = fit_power if kind == "power" else fit_linear
    order = sorted(range(len(volumes)), key=lambda i: volumes[i])
    xs = [volumes[i] for i in order]
    ys = [values[i] for i in order]
    if len(set(xs)) < 3:
        raise UserError("the prediction check needs at least 3 distinct volumes")
    model = fit(xs, ys)
    held_out = fit(xs[:-1], ys[:-1])
    predicted = held_out.predict(xs[-1])
    return Growth(
        model,
        max_relative_error(model, xs, ys),
        predicted,
        ys[-1],
        abs(predicted - ys[-1]) / ys[-1],
    )
