"""Per-group sums and quantiles of the per-case flags, in numpy: the seven breakdowns of a month in milliseconds.

pandas' ``groupby`` re-factorises the key, checks monotonicity and builds an index for every call, and the
briefing makes fourteen of them (totals and six breakdowns, for two periods) over ~80,000 cases each; most of
their cost was that overhead, not the arithmetic. Here :class:`PreparedFlags` takes from a period's flags, once,
the columns as numpy arrays and each time column's cases sorted by value; a breakdown then factorises its key
(sorted, as ``groupby`` sorts), sums each flag with one ``bincount`` and orders the sorted values by group with a
stable radix sort of the small group codes. Quantiles are interpolated exactly as pandas' linear quantile
(``val + (next - val) * frac``), so the figures are the same numbers (``tests/kpi/test_grouping.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PreparedFlags", "group_quantiles"]

_QUANTILES: dict[str, tuple[float, ...]] = {"response_min": (0.5, 0.9), "handling_min": (0.5,)}


def _small(codes: np.ndarray, groups: int) -> np.ndarray:
    """Group codes in the narrowest integer type: numpy sorts int16 stably with a radix sort, in linear time."""
    return codes.astype(np.int16 if groups < 2 ** 15 else np.int64)


def group_quantiles(codes: np.ndarray, ordered: np.ndarray, by_value: np.ndarray, groups: int,
                    qs: Sequence[float]) -> list[np.ndarray]:
    """Linear-interpolated quantiles ``qs`` per group: ``ordered`` are the non-NaN values sorted ascending,
    ``by_value`` the group code of each case in that order. One array of ``groups`` values per quantile (NaN
    for a group without values)."""
    regroup = np.argsort(_small(codes[by_value], groups), kind="stable")  # by group, by value within a group
    values = ordered[regroup]
    sizes = np.bincount(codes[by_value], minlength=groups)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    has = sizes > 0
    out = []
    for q in qs:
        result = np.full(groups, np.nan)
        position = q * (sizes[has] - 1).astype(np.float64)
        whole = position.astype(np.int64)  # truncation, as pandas casts
        frac = position % 1
        at = starts[has] + whole
        low = values[at]
        high = values[np.minimum(at + 1, starts[has] + sizes[has] - 1)]
        result[has] = np.where(frac == 0.0, low, low + (high - low) * frac)
        out.append(result)
    return out


class PreparedFlags:
    """A period's flags made ready for many breakdowns: flag columns as arrays, time values sorted once."""

    def __init__(self, flags: pd.DataFrame, counts: Sequence[str]) -> None:
        self.size = len(flags)
        self.counts = {name: flags[name].to_numpy(dtype=np.float64) for name in counts}
        self.sorted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for column in _QUANTILES:
            values = flags[column].to_numpy(dtype=np.float64)
            cases = np.flatnonzero(~np.isnan(values))
            order = cases[np.argsort(values[cases], kind="stable")]
            self.sorted[column] = (values[order], order)
        rating = flags["rating"].to_numpy(dtype=np.float64)
        self.rated = np.flatnonzero(~np.isnan(rating))
        self.rating = rating[self.rated]

    def summarise(self, keys: pd.Series | None) -> tuple[list[Any], dict[str, list[Any]]]:
        """The groups (sorted keys; one group "" when ``keys`` is None) and, per output column, one value per
        group: the sum of each count column, ``response_p50``/``response_p90``/``handling_p50`` and
        ``rating_mean``/``rating_n`` — as Python lists, ready to build each group's figures."""
        import pandas as pd  # imported when first used, not at start-up

        if keys is None:
            codes, uniques = np.zeros(self.size, dtype=np.int64), [""]
        else:
            raw, found = pd.factorize(keys, sort=True)
            codes, uniques = raw.astype(np.int64), list(found)
        groups = len(uniques)
        columns: dict[str, list[Any]] = {
            name: np.bincount(codes, weights=flag, minlength=groups).astype(np.int64).tolist()
            for name, flag in self.counts.items()}
        names = {"response_min": ("response_p50", "response_p90"), "handling_min": ("handling_p50",)}
        for column, qs in _QUANTILES.items():
            ordered, by_value = self.sorted[column]
            for name, result in zip(names[column], group_quantiles(codes, ordered, by_value, groups, qs),
                                    strict=True):
                columns[name] = result.tolist()
        rating_n = np.bincount(codes[self.rated], minlength=groups)
        rating_sum = np.bincount(codes[self.rated], weights=self.rating, minlength=groups)
        mean = np.full(groups, np.nan)
        np.divide(rating_sum, rating_n, out=mean, where=rating_n > 0)
        columns["rating_mean"], columns["rating_n"] = mean.tolist(), rating_n.tolist()
        return uniques, columns
