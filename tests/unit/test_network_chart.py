"""The Market page's counterparty network names its accounts: all of a small graph, the largest
(core.ui.charts.NETWORK_LABELS) of a large one, so a reader sees who trades without hovering."""
from __future__ import annotations

import pandas as pd
import pytest

from core.ui import charts


def graph(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame({"account": [f"A{i}" for i in range(n)], "holder": [f"Holder {i}" for i in range(n)],
                          "enterprise_id": [None] * n, "volume_t": [1000.0 * (i + 1) for i in range(n)],
                          "kind": ["round_trip"] * n, "x": [float(i) for i in range(n)], "y": [0.0] * n})
    edges = pd.DataFrame({"seller": nodes["account"][:-1].values, "buyer": nodes["account"][1:].values,
                          "kind": ["round_trip"] * (n - 1), "alert_id": ["X"] * (n - 1), "score": [1.0] * (n - 1),
                          "volume_t": [500.0] * (n - 1), "trades": [1] * (n - 1),
                          "x": nodes["x"][:-1].values, "y": [0.0] * (n - 1), "x2": nodes["x"][1:].values,
                          "y2": [0.0] * (n - 1)})
    return edges, nodes


def labels(spec: dict) -> list[str]:
    text = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert len(text) == 1
    rows = spec["datasets"][text[0]["data"]["name"]]
    return [r["label"] for r in rows]


@pytest.mark.parametrize("n", [5, 40])
def test_a_small_network_names_every_account(n):
    edges, nodes = graph(n)
    assert sorted(labels(charts.alert_network(edges, nodes, "en").to_dict())) == sorted(nodes["holder"])


def test_a_large_network_names_the_accounts_with_most_tonnes():
    edges, nodes = graph(60)
    shown = labels(charts.alert_network(edges, nodes, "zh").to_dict())
    assert sorted(shown) == sorted(nodes.nlargest(charts.NETWORK_LABELS, "volume_t")["holder"])
