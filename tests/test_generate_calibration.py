"""Each calibrated figure stays inside its accepted range; docs/calibration.md is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from wedsync_analytics.generate.calibration import measure, render
from wedsync_analytics.generate.calibration_targets import TARGETS

DOC = Path(__file__).resolve().parents[1] / "docs" / "calibration.md"


@pytest.mark.parametrize("key", list(TARGETS))
def test_figure_inside_its_accepted_range(key: str) -> None:
    figure = next(f for f in measure() if f.key == key)
    t = figure.target
    assert t.low <= figure.value <= t.high, (
        f"{t.title}: {figure.value:.4g} {t.unit} outside [{t.low}, {t.high}] ({t.source})"
    )


def test_calibration_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(measure()), (
        "docs/calibration.md is stale: run "
        "`python -m wedsync_analytics.generate.calibration docs/calibration.md`"
    )
