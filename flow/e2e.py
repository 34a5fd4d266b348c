"""End-to-end fidelity: a pretrained Transformer (all-MiniLM-L6-v2) with every GELU,
attention Softmax and LayerNorm replaced by the bit-accurate integer model of a unit.

For each method (NN-LUT, I-BERT, SOLE) and each configuration (GELU only, Softmax only,
LayerNorm only, all three) the sentence embeddings are compared with the float model's:
per-sentence cosine similarity (mean, worst), nearest-neighbour retrieval agreement (top-1,
top-5 overlap; each sentence queries all others) and the Spearman correlation of the
pairwise similarities. --calibrate adds the same table after block-wise calibration on real
activations (a separate calibration corpus). Writes build/report/e2e.md and e2e.png.

Corpus: the first sentences of the docstrings of Python's standard-library modules,
gathered at run time, or --sentences FILE (one sentence per line).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import NoReturn

# Only light imports up here: a bad argument or corpus is reported before torch and
# transformers load (seconds).
from models.defaults import FITS, LAYERNORM_GUARD_BITS, LAYERNORM_INT_BITS, table_fit
from models.e2e.corpus import (DEFAULT_CALIBRATION_SIZE, DEFAULT_SIZE, CorpusError, calibration_corpus,
                               read_sentences, stdlib_corpus)
from models.paths import BUILD_DIR

METHOD_NAMES = ("nnlut", "ibert", "sole")


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=Path, help="evaluate this corpus (one sentence per line)")
    parser.add_argument("--max-sentences", type=int, default=DEFAULT_SIZE,
                        help=f"cap on the corpus size (default {DEFAULT_SIZE})")
    parser.add_argument("--calibrate", action="store_true",
                        help="also run block-wise calibration on real activations and report both")
    parser.add_argument("--calibration-sentences", type=int, default=DEFAULT_CALIBRATION_SIZE,
                        help=f"calibration corpus size (default {DEFAULT_CALIBRATION_SIZE})")
    parser.add_argument("--methods", default=",".join(METHOD_NAMES),
                        help=f"comma-separated subset of {', '.join(METHOD_NAMES)}")
    parser.add_argument("--entries", type=int, default=16, help="NN-LUT table entries (default 16)")
    parser.add_argument("--width", type=int, default=16, help="unit input/output width in bits (default 16)")
    parser.add_argument("--gelu-fit", choices=FITS, default=table_fit("gelu"),
                        help=f"NN-LUT GELU table: least squared or least max error (default {table_fit('gelu')})")
    parser.add_argument("--layernorm-guard-bits", type=int, default=LAYERNORM_GUARD_BITS,
                        help=f"LayerNorm input bits beyond --width (default {LAYERNORM_GUARD_BITS})")
    parser.add_argument("--layernorm-int-bits", type=int, default=LAYERNORM_INT_BITS,
                        help=f"LayerNorm input integer bits, sign included (default {LAYERNORM_INT_BITS}: "
                             f"[-256, 256))")
    parser.add_argument("--max-tokens", type=int, default=64, help="tokens per sentence (default 64)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--report-dir", type=Path, default=BUILD_DIR / "report")
    parser.add_argument("--require-targets", action="store_true",
                        help="exit 1 unless NN-LUT with all three ops meets issue 5's targets "
                             "(calibrated, when --calibrate is given)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    command = "python -m flow.e2e " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    started = time.perf_counter()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHOD_NAMES]
    if unknown or not methods:
        fail(f"unknown method(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(METHOD_NAMES)}")
    if args.max_sentences < 2:
        fail("--max-sentences must be at least 2 (retrieval needs another sentence to find)")
    if args.max_tokens < 8:
        fail("--max-tokens must be at least 8")
    try:
        if args.sentences is not None:
            sentences = read_sentences(args.sentences)[: args.max_sentences]
            corpus_name = f"{args.sentences} ({len(sentences)} sentences)"
        else:
            sentences = stdlib_corpus(args.max_sentences)
            corpus_name = (f"first sentences of Python {sys.version_info.major}.{sys.version_info.minor} "
                           f"stdlib module docstrings ({len(sentences)} sentences)")
        calibration = (calibration_corpus(args.calibration_sentences, exclude=sentences)
                       if args.calibrate else [])
    except CorpusError as err:
        fail(str(err))

    from models.e2e.encoder import ModelUnavailable, load_encoder
    from models.e2e.methods import METHOD_NAMES as KNOWN, Widths, make_method

    assert KNOWN == METHOD_NAMES, "the script's method list is out of date"
    try:
        widths = Widths(args.width, args.entries, args.gelu_fit, args.layernorm_guard_bits,
                        args.layernorm_int_bits)
    except ValueError as err:
        fail(str(err))

    try:
        encoder = load_encoder(args.max_tokens, args.threads)
    except ModelUnavailable as err:
        fail(str(err))

    import numpy as np

    from models.e2e.evaluate import (calibrate_method, evaluate_method, format_table, markdown_table,
                                     plot, target_verdicts)
    from models.e2e.metrics import top1_margins

    print(f"Model: all-MiniLM-L6-v2 ({encoder.layers} layers), max {args.max_tokens} tokens; "
          f"corpus: {corpus_name}")
    print("Replaced modules (swap-in sites):")
    print(encoder.describe_sites())
    t0 = time.perf_counter()
    reference = encoder.embed(sentences)
    float_seconds = time.perf_counter() - t0
    print(f"Float reference: {float_seconds:.1f} s\n")

    rows = []
    calibration_notes: list[str] = []
    calibration_seconds: dict[str, float] = {}
    table_dir = args.report_dir / "e2e_tables"
    for name in methods:
        method = make_method(name, widths)
        try:
            rows += evaluate_method(encoder, sentences, reference, method, None, calibrated=False)
            if args.calibrate:
                calibrated_method = make_method(name, widths)
                per_site, seconds = calibrate_method(encoder, calibrated_method, calibration)
                calibration_seconds[calibrated_method.label] = seconds
                print(f"{calibrated_method.label}: calibrated block by block on {len(calibration)} "
                      f"sentences in {seconds:.1f} s")
                described = calibrated_method.describe_calibration()
                print("\n".join(f"  {line}" for line in described))
                calibration_notes.append(f"### {calibrated_method.label}")
                calibration_notes += described
                if name == "nnlut":
                    saved = calibrated_method.calibration.save_tables(table_dir)
                    calibration_notes.append(f"{len(saved)} per-site tables written to {table_dir}")
                rows += evaluate_method(encoder, sentences, reference, calibrated_method, per_site,
                                        calibrated=True)
        except ValueError as err:
            fail(f"{method.label}: {err}")

    total = time.perf_counter() - started
    table = format_table(rows)
    verdicts = target_verdicts(rows)
    print("\n" + table)
    for note in dict.fromkeys(f"{r.method}: {r.note}" for r in rows if r.note):
        print(f"  note: {note}")
    print()
    for text, ok in verdicts:
        print(f"{'MET   ' if ok else 'MISSED'} {text}")
    print(f"\nTotal {total:.0f} s")

    args.report_dir.mkdir(parents=True, exist_ok=True)
    title = (f"all-MiniLM-L6-v2, non-linear ops on integer units (NN-LUT {widths.entries} entries, "
             f"{widths.width}-bit); {corpus_name}")
    plot(rows, args.report_dir / "e2e.png", title)
    lines = [
        "# End-to-end fidelity: all-MiniLM-L6-v2 with integer non-linear units", "",
        f"Command: `{command}`", "",
        f"Corpus: {corpus_name}. Reference: the float model (PyTorch). Units: NN-LUT at "
        f"{widths.entries} entries, every unit {widths.width}-bit (LayerNorm input {widths.layernorm_width}-bit); "
        f"default formats, uncalibrated: GELU SQ{widths.width}.{widths.gelu_frac} with the {widths.gelu_fit} table, "
        f"Softmax SQ{widths.width}.{widths.softmax_frac}, LayerNorm SQ{widths.layernorm_width}.{widths.layernorm_frac} "
        f"(models/defaults.py). Float reference {float_seconds:.1f} s; "
        f"total {total:.0f} s on {os.cpu_count()} cores.", "",
        "Sites replaced: " + "; ".join(
            f"{k.value} {len(encoder.sites_of(k))}" for k in sorted({s.info.kind for s in encoder.sites},
                                                                   key=lambda k: k.value)), "",
        markdown_table(rows), "",
        "Metrics: cosine similarity of each sentence's embedding to the float one (mean, worst); "
        "top-1: share of queries whose nearest other sentence is unchanged; top-5: mean overlap of "
        "the five nearest; Spearman: rank correlation of all pairwise similarities. Top-1's "
        f"resolution: one query is {100 / len(sentences):.1f}%, and the float model's smallest top-1 "
        "margins (cosine of the nearest other sentence minus the second nearest) are "
        + ", ".join(f"{m:.1e}" for m in np.sort(top1_margins(reference))[:4])
        + ": those queries flip under perturbations of that size.", "",
        "## Targets (issue 5)", "",
        *[f"- {'met' if ok else 'MISSED'}: {text}" for text, ok in verdicts], "",
        "![fidelity](e2e.png)", "",
    ]
    if calibration_notes:
        lines += ["## Calibration", "",
                  f"Block-wise, on {len(calibration)} sentences disjoint from the evaluation corpus "
                  "(first sentences of the docstrings of stdlib functions and classes). " +
                  ", ".join(f"{k} {v:.0f} s" for k, v in calibration_seconds.items()) + ".", "",
                  "```", *calibration_notes, "```", ""]
    (args.report_dir / "e2e.md").write_text("\n".join(lines))
    (args.report_dir / "e2e.json").write_text(json.dumps(
        {"command": command, "corpus": corpus_name, "rows": [
            {"method": r.method, "config": r.config, "calibrated": r.calibrated, "replaced": r.replaced,
             "seconds": r.seconds, "note": r.note,
             "fidelity": None if r.fidelity is None else r.fidelity.as_dict()} for r in rows]}, indent=1))
    print(f"Report: {args.report_dir / 'e2e.md'}, {args.report_dir / 'e2e.png'}")
    if args.require_targets:
        relevant = [ok for text, ok in verdicts if ("uncalibrated" not in text) == args.calibrate]
        if not relevant or not all(relevant):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
