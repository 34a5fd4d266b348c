"""Fidelity of a design on the real model: all-MiniLM-L6-v2 with every GELU, attention Softmax
and LayerNorm on the candidate units' bit-accurate models, calibrated as `make e2e` does
(models.e2e.calibrate: shared formats from float activations, per-site tables block by block).

Two uses:
- `true_fidelity(design)`: the design's three units calibrated together, block by block, and
  the evaluation corpus embedded (cosine to the float embeddings, top-1 retrieval agreement):
  what the verification reports.
- the search's relaxed forward (`RelaxedSite`): during the search every site holds the
  calibrated approximation of one sampled candidate per kind (the candidates are the distinct
  functions of the kind, its entries, widths, coeffs and internal choices, each calibrated once
  with only its kind replaced), weighted by the Gumbel-softmax sample's weight. Straight-through: the forward value is the
  unit's bit-accurate output, the gradient flows as through the float op, and the weight's
  gradient is the deviation (unit - float) times the loss gradient (GDAS-style: one candidate per
  kind and step, Dong and Yang, CVPR 2019), so each step costs one forward pass.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from flow.explore.space import DEFAULT, KINDS, Choice, Design, unit_config
from models.e2e.methods import NnlutMethod
from models.e2e.metrics import Fidelity, fidelity
from models.e2e.method_base import Widths
from models.e2e.sites import OpKind

KIND_OF = {"gelu": OpKind.GELU, "softmax": OpKind.SOFTMAX, "layernorm": OpKind.LAYERNORM}


class DesignMethod(NnlutMethod):
    """The NN-LUT method with each kind's unit configuration taken from a design (the widths and
    entries may differ between kinds)."""

    def __init__(self, design: Design) -> None:
        super().__init__(Widths(16, 16))
        self.design = design

    def kind_width(self, kind: OpKind) -> int:
        return self.design.of(kind.value).width

    def _config(self, kind: str) -> Any:
        return unit_config(kind, self.design.of(kind), lanes=1)

    def gelu_config(self, frac: int | None = None) -> Any:
        """The GELU unit with `frac` input fraction bits and as many integer bits out as in."""
        config = self._config("gelu")
        if frac is None:
            return config
        return dataclasses.replace(config, in_frac=frac, out_frac=frac - config.in_width + config.out_width)

    def softmax_config(self, frac: int | None = None) -> Any:
        config = self._config("softmax")
        return config if frac is None else dataclasses.replace(config, in_frac=frac)

    def layernorm_config(self) -> Any:
        return self._config("layernorm")


def _float_op(kind: str) -> Callable[..., torch.Tensor]:
    if kind == "gelu":
        return lambda x: F.gelu(x)
    if kind == "softmax":
        return lambda scores, valid: torch.softmax(scores.masked_fill(~valid, float("-inf")), dim=-1)
    return lambda x, weight, bias, eps: F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def _functions(design: Design) -> dict[str, list[int]]:
    """What a design computes, per kind (its table and search choices compute the same values)."""
    return {k: list(design.of(k).function_key) for k in KINDS}


@dataclass
class RelaxedSite:
    """A site's approximation during the search: the sampled candidate's unit output, with the
    candidate's (hard, straight-through) Gumbel weight carrying the gradient."""

    kind: str
    approx: Any
    weight: torch.Tensor

    def __call__(self, *args: Any) -> torch.Tensor:
        reference = _float_op(self.kind)(*args)
        with torch.no_grad():
            unit = self.approx(*args)
        return reference + self.weight * (unit - reference).detach()


@dataclass
class FidelityBench:
    """The model, the corpora and the float reference, loaded once."""

    eval_sentences: Sequence[str]
    search_sentences: Sequence[str]
    calibration_sentences: Sequence[str]
    max_tokens: int = 64
    log: Callable[[str], None] = print
    encoder: Any = field(init=False)
    reference: np.ndarray = field(init=False)
    search_reference: torch.Tensor = field(init=False)
    _candidates: dict[tuple[str, tuple[Any, ...]], dict[Any, Any]] = field(default_factory=dict, init=False)
    # The float model's activations at every site of a kind on the calibration corpus: the same
    # for every candidate of that kind, so recorded once (models.e2e.calibrate.calibrate).
    _float_records: dict[str, dict[Any, Any]] = field(default_factory=dict, init=False)
    calibration_seconds: float = field(default=0.0, init=False)
    # The end-to-end results of this run (flow.explore.truth_cache): by key, and how many were
    # read from the cache and how many computed.
    results: dict[str, tuple[dict[str, Any], dict[str, float]]] = field(default_factory=dict, init=False)
    read_count: int = field(default=0, init=False)
    computed_count: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        from models.e2e.encoder import load_encoder

        self.encoder = load_encoder(self.max_tokens)
        self.encoder.model.requires_grad_(False)
        self.reference = self.encoder.embed(list(self.eval_sentences))
        self.search_reference = torch.from_numpy(self.encoder.embed(list(self.search_sentences)))

    def _result(self, what: dict[str, Any], corpora: tuple[Sequence[str], ...],
                compute: Callable[[], dict[str, float]]) -> dict[str, float]:
        """A result from the cache (flow.explore.truth_cache), else computed and cached."""
        from flow.explore import truth_cache

        key = {**what, "corpus": truth_cache.corpus_digest(*corpora, max_tokens=self.max_tokens),
               "sources": truth_cache.sources_digest()}
        name = json.dumps(key, sort_keys=True)
        if name not in self.results:
            value = truth_cache.read(key)
            if value is None:
                value = compute()
                truth_cache.store(key, value)
                self.computed_count += 1
            else:
                self.read_count += 1
            self.results[name] = (key, value)
        return self.results[name][1]

    # -- the truth ----------------------------------------------------------------------
    def evaluate(self, assignment: dict[Any, Any]) -> Fidelity:
        with self.encoder.approximations(assignment):
            embeddings = self.encoder.embed(list(self.eval_sentences))
        return fidelity(self.reference, embeddings)

    def true_fidelity(self, design: Design) -> Fidelity:
        """The design's units calibrated together, block by block, on the calibration corpus and
        evaluated on the evaluation corpus (cached by the design's functions: its table and
        search choices compute the same values)."""
        from models.e2e.calibrate import calibrate

        def compute() -> dict[str, float]:
            return self.evaluate(calibrate(self.encoder, DesignMethod(design),
                                           list(self.calibration_sentences))).as_dict()

        what = {"what": "design", "functions": _functions(design)}
        return Fidelity(**self._result(what, (self.eval_sentences, self.calibration_sentences), compute))

    def method_fidelity(self, name: str, widths: Widths) -> Fidelity:
        """A baseline method (models.e2e.methods: "ibert", "sole") through the same calibration
        and evaluation (cached)."""
        from models.e2e.calibrate import calibrate
        from models.e2e.methods import make_method

        def compute() -> dict[str, float]:
            return self.evaluate(calibrate(self.encoder, make_method(name, widths),
                                           list(self.calibration_sentences))).as_dict()

        what = {"what": "method", "method": name, "widths": dataclasses.asdict(widths)}
        return Fidelity(**self._result(what, (self.eval_sentences, self.calibration_sentences), compute))

    def design_loss(self, design: Design) -> float:
        """The search's fidelity model at a design (relaxed_loss with every weight 1), cached."""
        def compute() -> dict[str, float]:
            one = torch.ones((), dtype=torch.float64)
            return {"loss": float(self.relaxed_loss({k: (design.of(k).function_key, one) for k in KINDS}).detach())}

        what = {"what": "search loss", "functions": _functions(design)}
        return self._result(what, (self.calibration_sentences, self.search_sentences), compute)["loss"]

    # -- the search's candidates ------------------------------------------------------------
    def candidate(self, kind: str, function: tuple[Any, ...]) -> dict[Any, Any]:
        """Per-site calibrated approximations of one kind's function (its FUNCTION_DIMS values),
        that kind alone replaced (cached)."""
        from models.e2e.calibrate import calibrate, record_sites

        key = (kind, function)
        if key not in self._candidates:
            started = time.perf_counter()
            choice = Choice.of_function(function)
            # The other kinds are not replaced (kinds=...); any valid choice of theirs will do.
            design = Design(**{k: (choice if k == kind else DEFAULT) for k in KINDS})
            if kind not in self._float_records:
                sites = self.encoder.sites_of(KIND_OF[kind])
                self._float_records[kind] = record_sites(self.encoder, sites, list(self.calibration_sentences), {})
            self._candidates[key] = calibrate(self.encoder, DesignMethod(design), list(self.calibration_sentences),
                                              kinds=(KIND_OF[kind],), float_records=self._float_records[kind])
            seconds = time.perf_counter() - started
            self.calibration_seconds += seconds
            self.log(f"    calibrated {kind} {' '.join(choice.label().split()[:len(function)])} ({seconds:.1f} s)")
        return self._candidates[key]

    def relaxed_loss(self, chosen: dict[str, tuple[tuple[Any, ...], torch.Tensor]]) -> torch.Tensor:
        """1 - mean cosine to the float embeddings on the search corpus, with every site of each
        kind on that kind's sampled candidate, weighted (straight-through) by its Gumbel weight."""
        assignment = {}
        for kind, (function, weight) in chosen.items():
            for site, approx in self.candidate(kind, function).items():
                assignment[site] = RelaxedSite(kind, approx, weight)
        encoder = self.encoder
        total = torch.zeros((), dtype=torch.float64)
        with encoder.approximations(assignment):
            for rows, enc in encoder.batches(list(self.search_sentences)):
                hidden = encoder.model(**enc).last_hidden_state.double()
                mask = enc["attention_mask"].unsqueeze(-1).double()
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
                emb = F.normalize(pooled, dim=-1)
                total = total + (1.0 - (emb * self.search_reference[torch.from_numpy(rows)]).sum(dim=-1)).sum()
        return total / len(self.search_sentences)
