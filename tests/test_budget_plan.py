"""Plan shapes and requirements on EXPLAIN JSON documents: numbers and generated names
do not change a shape, a different access path does; breaches point at their node."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wedsync_analytics.budget.plan import (
    flatten,
    requirement_breaches,
    shape_diff,
    shape_text,
    trimmed,
)


def _plan(partition: str, literal: str, blocks: int, scan: str = "Index Scan") -> dict[str, Any]:
    leaf: dict[str, Any] = {
        "Node Type": scan,
        "Relation Name": partition,
        "Parent Relationship": "Outer",
        "Shared Hit Blocks": blocks,
        "Actual Rows": blocks * 3,
        "Actual Loops": 1,
    }
    if scan == "Index Scan":
        leaf["Index Name"] = f"{partition}_ts_idx"
        leaf["Index Cond"] = f"(ts >= '{literal}'::timestamptz)"
    else:
        leaf["Filter"] = f"(ts >= '{literal}'::timestamptz)"
    return {
        "Node Type": "Sort",
        "Sort Key": ["ts"],
        "Sort Method": "quicksort",
        "Shared Hit Blocks": blocks + 1,
        "Plans": [
            leaf,
            {
                "Node Type": "Result",
                "Parent Relationship": "InitPlan",
                "Subplan Name": "InitPlan 1",
                "Shared Hit Blocks": 1,
            },
        ],
    }


@given(st.integers(2020, 2030), st.integers(1, 12), st.integers(0, 10**6), st.integers(0, 10**6))
def test_numbers_and_generated_names_do_not_change_the_shape(
    year: int, month: int, a: int, b: int
) -> None:
    one = flatten(_plan("pm_p2025_06", "2025-06-14 12:30:00+00", a))
    two = flatten(_plan(f"pm_p{year}_{month:02d}", f"{year}-{month:02d}-01 00:00:00+00", b))
    assert shape_text(one) == shape_text(two)
    assert shape_diff(shape_text(one), shape_text(two), "q") == ""


def test_another_access_path_is_a_changed_shape_with_a_diff() -> None:
    old = shape_text(flatten(_plan("pm", "2025-06-14", 10)))
    new = shape_text(flatten(_plan("pm", "2025-06-14", 10, scan="Seq Scan")))
    diff = shape_diff(old, new, "percentiles.platform.custom")
    assert "-  -> Index Scan using pm_ts_idx on pm" in diff
    assert "+  -> Seq Scan on pm" in diff


def test_requirements_name_and_mark_the_offending_nodes() -> None:
    plan = _plan("pm", "2025-06-14", 40, scan="Seq Scan")
    spill = copy.deepcopy(plan)
    spill["Sort Space Type"] = "Disk"
    nodes = flatten(spill)
    breaches, offending = requirement_breaches(nodes, ("pm",), ("pm_ts_idx", "rollup_t"), True)
    assert breaches == ["Sort spills to disk", "Seq Scan on pm", "uses none of pm_ts_idx, rollup_t"]
    text = trimmed(nodes, offending)
    assert "-> Seq Scan on pm (rows=120 loops=1 buffers=40)" in text
    assert text.count("<-- breach") == 2
    assert "InitPlan" not in text  # one buffer of 41: not a node that matters
    fine, none = requirement_breaches(flatten(_plan("pm", "x", 4)), ("pm",), ("pm_ts_idx",), True)
    assert fine == [] and none == set()
