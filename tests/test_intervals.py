"""Bootstrap confidence intervals and the spread over groups of the agreement metrics."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from testimonycoder.intervals import _statistics, metric_intervals
from testimonycoder.metrics import code_metrics, group_spread

CODES = ["coercion", "sale", "forced_marriage"]


def _labels(n: int, error_rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 2, (n, len(CODES)))
    P = np.where(rng.random(Y.shape) < error_rate, 1 - Y, Y)
    return Y, P


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(1, 30), st.just(3)), elements=st.integers(0, 1)),
    st.data(),
)
def test_statistics_of_the_whole_sample_are_the_reported_metrics(Y: np.ndarray, data) -> None:
    P = data.draw(arrays(np.int8, Y.shape, elements=st.integers(0, 1)))
    m = code_metrics(Y, P, CODES)
    stats = _statistics(Y.astype(bool), P.astype(bool), np.arange(len(Y)))
    expected = [m["micro_f1"], m["macro_f1"]]
    expected += [m["codes"][c]["f1"] for c in CODES] + [m["codes"][c]["kappa"] for c in CODES]
    np.testing.assert_allclose(stats, expected, atol=6e-5)  # code_metrics rounds to 4 places


def test_intervals_are_deterministic_ordered_and_hold_the_estimate() -> None:
    Y, P = _labels(170, 0.08, seed=1)
    first, again = metric_intervals(Y, P, CODES), metric_intervals(Y, P, CODES)
    assert first == again
    assert first is not None and first["level"] == 0.95
    m = code_metrics(Y, P, CODES)
    low, high = first["micro_f1"]
    assert low < m["micro_f1"] < high
    for code in CODES:
        low, high = first["kappa"][code]
        assert low < m["codes"][code]["kappa"] < high
        assert 0.0 <= first["f1"][code][0] < first["f1"][code][1] <= 1.0


def test_intervals_narrow_with_more_documents() -> None:
    small = metric_intervals(*_labels(100, 0.1, seed=2), CODES)
    large = metric_intervals(*_labels(2000, 0.1, seed=2), CODES)
    assert small is not None and large is not None
    width = lambda pair: pair[1] - pair[0]  # noqa: E731
    # the width of an interval shrinks like 1/sqrt(n): about 4.5 times narrower here
    assert width(large["micro_f1"]) < width(small["micro_f1"]) / 3


def test_perfect_agreement_and_too_few_documents() -> None:
    Y, _ = _labels(50, 0.0, seed=3)
    perfect = metric_intervals(Y, Y, CODES)
    assert perfect is not None
    assert perfect["micro_f1"] == [1.0, 1.0]
    assert all(pair == [1.0, 1.0] for pair in perfect["kappa"].values())
    assert metric_intervals(Y[:1], Y[:1], CODES) is None


def test_group_spread_is_the_per_group_micro_f1() -> None:
    Y = np.array([[1, 0], [1, 1], [0, 1], [1, 0], [0, 0], [0, 0]])
    P = np.array([[1, 0], [1, 1], [0, 0], [0, 0], [0, 0], [0, 0]])
    groups = ["a", "a", "b", "b", "c", "c"]
    spread = group_spread(Y, P, groups)
    # a: perfect; b: 0 of 2 found; c: no code in gold or predictions counts as agreement
    assert spread["groups"] == 3
    assert spread["micro_f1"]["min"] == 0.0
    assert spread["micro_f1"]["median"] == 1.0
    assert spread["micro_f1"]["max"] == 1.0
