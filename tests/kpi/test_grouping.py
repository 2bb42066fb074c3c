"""The numpy breakdown sums and quantiles give pandas' groupby numbers, including groups with one value, groups
without any and missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from commandcenter.kpi.grouping import PreparedFlags


def test_same_numbers_as_pandas_groupby() -> None:
    rng = np.random.default_rng(7)
    n = 5000
    keys = pd.Series(rng.choice([f"k{i}" for i in range(300)], n))
    keys[keys == "k7"] = "solo"
    keys.iloc[0] = "solo"  # a group of one case
    response = rng.exponential(60.0, n)
    response[rng.random(n) < 0.2] = np.nan
    response[(keys == "k3").to_numpy()] = np.nan  # a group without any response time
    handling = np.round(rng.uniform(0, 3000, n), 1)  # many ties
    rating = np.where(rng.random(n) < 0.3, rng.integers(1, 6, n).astype(float), np.nan)
    flags = pd.DataFrame({"a": rng.random(n) < 0.5, "b": rng.random(n) < 0.1, "response_min": response,
                          "handling_min": handling, "rating": rating})
    found, columns = PreparedFlags(flags, ["a", "b"]).summarise(keys)
    grouped = flags.groupby(keys, sort=True)
    assert found == list(grouped.groups)
    assert columns["a"] == grouped["a"].sum().tolist() and columns["b"] == grouped["b"].sum().tolist()
    np.testing.assert_array_equal(columns["response_p50"], grouped["response_min"].quantile(0.5).to_numpy())
    np.testing.assert_array_equal(columns["response_p90"], grouped["response_min"].quantile(0.9).to_numpy())
    np.testing.assert_array_equal(columns["handling_p50"], grouped["handling_min"].quantile(0.5).to_numpy())
    np.testing.assert_array_equal(columns["rating_mean"], grouped["rating"].mean().to_numpy())
    assert columns["rating_n"] == grouped["rating"].count().tolist()
    assert np.isnan(columns["response_p50"][found.index("k3")])
    _, totals = PreparedFlags(flags, ["a", "b"]).summarise(None)
    assert totals["response_p90"] == [flags["response_min"].quantile(0.9)]
