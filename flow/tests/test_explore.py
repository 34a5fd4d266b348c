"""The design search (flow/explore): its space, sampling, snapshot, evaluator, the Dask path,
and a tiny run of the whole command so that the path cannot rot.

The tiny run replaces the synthesis of a point by a formula (the cost flow has its own smoke
test, and real synthesis of the searched designs takes minutes); everything else is real:
the MiniLM model, the calibration, the gradient, random and greedy searches, the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from flow.cost import CostError, CostRecord
from flow.explore import evaluator as ev
from flow.explore import samples as sampling
from flow.explore.space import (DEFAULT, DEFAULT_DESIGN, DIMENSIONS, KINDS, Choice, Design, allowed_values,
                                unit_config, valid_choices)


def fake_record(kind: str, choice: Choice, lanes: int) -> CostRecord:
    """A made-up but structured cost: shared part plus lanes, growing with entries and width."""
    base = {"gelu": 50e3, "softmax": 150e3, "layernorm": 300e3}[kind]
    lane = (20e3 + 2e3 * choice.entries * (choice.width / 16) * (1.3 if choice.table == "programmable" else 1.0)
            * (0.9 if choice.search == "binary" else 1.0))
    config = unit_config(kind, choice, lanes)
    return CostRecord(unit=kind, method="NN-LUT", op=kind, tag="fake", lanes=lanes, row_length=None,
                      entries=choice.entries, options=config.to_dict(), area_um2=base + lanes * lane,
                      seq_area_um2=0.3 * (base + lanes * lane), storage_bits=0, macros=[], flops=0, cells=0,
                      critical_path_ns=5.0, fmax_mhz=200.0 - choice.entries, critical_from="", critical_to="",
                      power_mw=0.0, input_activity=0.0)


def test_space_choices_are_checked():
    for kind in KINDS:
        assert DEFAULT in valid_choices(kind)
    with pytest.raises(ValueError, match="entries=12"):
        DEFAULT.replace(entries=12)
    with pytest.raises(ValueError, match="gelu has no internal formats"):
        unit_config("gelu", DEFAULT.replace(internal="reduced"), 1)
    assert allowed_values("gelu", "internal") == {"standard"}
    assert allowed_values("softmax", "internal") == set(DIMENSIONS["internal"])
    with pytest.raises(ValueError, match="missing layernorm"):
        Design.from_dict({"gelu": DEFAULT.to_dict(), "softmax": DEFAULT.to_dict()})
    assert Design.from_dict(DEFAULT_DESIGN.to_dict()) == DEFAULT_DESIGN


def test_space_filling_is_reproducible_and_spread():
    a = sampling.space_filling("gelu", 12, seed=7)
    assert a == sampling.space_filling("gelu", 12, seed=7)
    assert len(set(a)) == 12
    # A Latin hypercube draws every value of every dimension (that the kind's units accept).
    for name in DIMENSIONS:
        assert {getattr(c, name) for c in a} == allowed_values("gelu", name)
    with pytest.raises(ValueError, match="unknown kind"):
        sampling.plan({"relu": 3}, seed=1)


def test_split_width_samples_come_on_top_of_the_equal_width_ones():
    """The second set has every output width differ from its input width and draws every value
    of both; adding it leaves the first set (the samples measured before it existed) as it was."""
    equal = sampling.plan({"softmax": 6}, seed=3)
    both = sampling.plan({"softmax": 6}, seed=3, split_counts={"softmax": 9})
    assert all(c.out_width == c.width for _, c in equal)
    assert both[:6] == equal[:6] and len(both) == 6 + 9 + 1 and both[-1] == ("softmax", DEFAULT_DESIGN.softmax)
    split = [c for _, c in both[6:15]]
    assert all(c.out_width != c.width and c.pipeline == "base" for c in split)
    assert {c.out_width for c in split} == {c.width for c in split} == set(DIMENSIONS["width"])


def test_pipelined_samples_come_on_top_and_only_where_the_rtl_has_the_option():
    """The third set has only choices with a pipelining option beyond the base (Softmax's sum
    stage), draws the other dimensions widely, and leaves the first two sets as they were."""
    before = sampling.plan({"softmax": 6}, seed=3, split_counts={"softmax": 4})
    after = sampling.plan({"softmax": 6, "gelu": 0}, seed=3, split_counts={"softmax": 4},
                          pipelined_counts={k: 8 for k in KINDS})
    assert all(c.pipeline == "base" for _, c in before[:10])
    assert after[:10] == before[:10]
    assert {k for k, _ in after} == {"softmax"}, "GELU and LayerNorm have no pipelining option to sample"
    staged = [c for _, c in after[10:18]]
    assert len(staged) == 8 and all(c.pipeline == "sum_stage" for c in staged)
    assert {c.entries for c in staged} == set(DIMENSIONS["entries"])
    with pytest.raises(ValueError, match="unknown sample set"):
        sampling.space_filling("softmax", 3, seed=1, sample_set="deep")


def test_sum_stage_choice_is_the_softmax_register_option_at_every_lane_count():
    base, staged = DEFAULT, DEFAULT.replace(pipeline="sum_stage")
    for lanes in (1, 4, 16):
        assert unit_config("softmax", staged, lanes).sum_stage
        assert not unit_config("softmax", base, lanes).sum_stage
    # Where the choice does what the default units do, the configuration is the default's, so
    # measurements made before the choice existed keep their cost-cache keys.
    for choice, lanes in ((base, 1), (base, 4), (staged, 16)):
        assert "sum_stage_lanes" not in unit_config("softmax", choice, lanes).to_dict()
    assert DEFAULT_DESIGN.softmax == staged and DEFAULT_DESIGN.gelu == DEFAULT_DESIGN.layernorm == base
    for kind in ("gelu", "layernorm"):
        with pytest.raises(ValueError, match=f"--sum-stage-lanes does not apply to {kind}"):
            unit_config(kind, staged, 4)
    assert allowed_values("softmax", "pipeline") == set(DIMENSIONS["pipeline"])
    assert allowed_values("gelu", "pipeline") == allowed_values("layernorm", "pipeline") == {"base"}
    assert staged.label().endswith(" sum_stage") and not base.label().endswith("base")


def test_snapshot_round_trip_and_stale_records(tmp_path, monkeypatch):
    monkeypatch.setattr("flow.cost.CACHE_DIR", tmp_path / "cache")
    record = fake_record("gelu", DEFAULT, 1)
    path = tmp_path / "snap.json"
    sampling.write_snapshot([record], path=path, command="test")
    rows = sampling.read_snapshot(path)
    assert rows[0][0] == record
    assert sampling.seed_cache(rows) == [record]
    assert sampling.cached("gelu", DEFAULT, 1) == record
    # A record measured on other sources (another cache key) is left out.
    assert sampling.seed_cache([(record, "gelu_0000.json")]) == []


def test_malformed_snapshot_is_reported(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"version": 1, "records": [{"record": {"unit": "gelu"}}]}))
    with pytest.raises(CostError, match="malformed"):
        sampling.read_snapshot(path)
    with pytest.raises(CostError, match="no cost snapshot"):
        sampling.read_snapshot(tmp_path / "missing.json")


def _fake_samples() -> list[sampling.Sample]:
    out = []
    for kind in KINDS:
        for choice in sampling.space_filling(kind, 16, seed=3):
            for lanes in (1, 4):
                out.append(sampling.Sample(kind, choice, lanes, fake_record(kind, choice, lanes)))
    return out


def test_evaluator_learns_and_is_differentiable():
    data = _fake_samples()
    errors = ev.held_out(data, folds=4, epochs=400)
    # On a smooth cost both models predict unseen configurations well; the check can fail (a
    # broken feature map or split gives tens of per cent).
    assert errors["network"]["area_um2"]["mape"] < 10.0
    assert errors["network"]["area_um2"]["spearman"] > 0.9
    assert errors["linear"]["area_um2"]["n"] == len(data)
    x, y, groups = ev.dataset(data)
    assert len(np.unique(groups)) == len(data) // 2
    model = ev.fit_network(x, y, epochs=300)
    probs = {d: torch.full((len(v),), 1.0 / len(v), dtype=torch.float64, requires_grad=True)
             for d, v in DIMENSIONS.items()}
    area = ev.relaxed_area(model, "gelu", probs, 16)
    area.backward()
    assert probs["entries"].grad is not None and torch.any(probs["entries"].grad != 0)


def test_lane_model():
    data = _fake_samples()
    x, y, _ = ev.dataset(data)
    model = ev.fit_linear(x, y)
    # The fake cost is exactly shared + lanes x lane: the 16-lane figure follows from 1 and 4 lanes.
    truth = fake_record("softmax", DEFAULT, 16).area_um2
    assert ev.predicted_area(model, "softmax", DEFAULT, 16) == pytest.approx(truth, rel=0.35)


def test_dask_local_cluster_measures_a_point(tmp_path, monkeypatch):
    """The sampling path on a real Dask local cluster: the driver's cache is empty, so the point
    goes to a worker, which runs the cost flow and returns the record."""
    pytest.importorskip("distributed")
    monkeypatch.setattr("flow.cost.CACHE_DIR", tmp_path / "cache")
    choice = DEFAULT.replace(entries=8, width=12, table="no_reset")
    lines: list[str] = []
    result = sampling.collect([("gelu", choice)], jobs=1, dask="local", log=lines.append, lanes_list=(1,))
    assert len(result) == 1 and result[0].record.unit == "gelu" and result[0].record.area_um2 > 0
    assert any("dask local" in line for line in lines)
    assert sampling.cached("gelu", choice, 1) == result[0].record


def test_tiny_exploration(tmp_path, monkeypatch):
    from flow.explore import command

    monkeypatch.setattr(sampling, "cached", lambda kind, choice, lanes, ecp5=False: fake_record(kind, choice, lanes))
    monkeypatch.setattr(sampling, "SNAPSHOT", tmp_path / "none.json")
    monkeypatch.setattr("flow.explore.truth_cache.CACHE_DIR", tmp_path / "fidelity")
    monkeypatch.setattr("flow.explore.truth_cache.SNAPSHOT", tmp_path / "none_fidelity.json")
    command.main(["--tiny", "--per-kind", "4", "--report-dir", str(tmp_path)])
    result: dict[str, Any] = json.loads((tmp_path / "explore.json").read_text())
    # An empty cache: every end-to-end result computed here, each one cached.
    counts = result["end_to_end_results"]
    assert counts["read"] == 0 and counts["computed"] == len(list((tmp_path / "fidelity").glob("*.json"))) > 0
    for key in ("evaluator", "linear", "front", "default", "chosen", "searches", "baselines"):
        assert key in result
    assert {"mape", "spearman"} <= set(result["evaluator"]["area_um2"])
    for point in result["front"] + [result["default"]]:
        assert {"config", "predicted_area_um2", "true_area_um2", "true_cos_mean", "true_top1"} <= set(point)
        Design.from_dict(point["config"])
    assert result["budget"] == len(result["searches"]["random"]) >= 1
    assert Path(tmp_path / "explore.png").stat().st_size > 0
    assert "The answer" in (tmp_path / "explore.md").read_text()


def _bare_bench() -> Any:
    """A FidelityBench without its model, for the cache logic alone."""
    from flow.explore.fidelity import FidelityBench

    bench = FidelityBench.__new__(FidelityBench)
    bench.max_tokens, bench.results, bench.read_count, bench.computed_count = 64, {}, 0, 0
    return bench


def test_end_to_end_results_are_cached_by_sources_and_corpus(tmp_path, monkeypatch):
    from flow.explore import truth_cache

    monkeypatch.setattr(truth_cache, "CACHE_DIR", tmp_path / "cache")
    computed: list[int] = []

    def result(bench: Any, corpus: tuple[str, ...] = ("a sentence",)) -> dict[str, float]:
        return bench._result({"what": "design", "functions": {"gelu": [16, 16]}}, (corpus,),
                             lambda: computed.append(1) or {"cos_mean": 0.5 + len(computed)})

    first = _bare_bench()
    assert result(first) == {"cos_mean": 1.5} and (first.computed_count, first.read_count) == (1, 0)
    second = _bare_bench()
    assert result(second) == {"cos_mean": 1.5} and (second.computed_count, second.read_count) == (0, 1)
    # Another corpus or other sources: other keys, computed again.
    assert result(_bare_bench(), ("another sentence",)) == {"cos_mean": 2.5}
    monkeypatch.setattr(truth_cache, "sources_digest", lambda: "other sources")
    assert result(_bare_bench()) == {"cos_mean": 3.5} and len(computed) == 3

    # The snapshot seeds an empty cache with the rows of the current sources only.
    truth_cache.write_snapshot([*first.results.values(), *second.results.values()], tmp_path / "snap.json")
    monkeypatch.setattr(truth_cache, "CACHE_DIR", tmp_path / "clean")
    assert truth_cache.seed_from_snapshot(tmp_path / "snap.json") == (0, 2)
    monkeypatch.undo()
    monkeypatch.setattr(truth_cache, "CACHE_DIR", tmp_path / "clean")
    assert truth_cache.seed_from_snapshot(tmp_path / "snap.json") == (2, 2)
    assert result(_bare_bench()) == {"cos_mean": 1.5} and len(computed) == 3

    (tmp_path / "bad.json").write_text('{"version": 1, "results": [{"key": {}}]}')
    with pytest.raises(ValueError, match="bad.json is malformed"):
        truth_cache.seed_from_snapshot(tmp_path / "bad.json")
