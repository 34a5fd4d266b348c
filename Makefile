# NN-LUT non-linear units: fit, generate, simulate, report.
#
#   make                 main job: fit tables, generate SV, run the benches, print the summary
#                        and write build/report/, then the comparison report (= make SIM=verilator)
#   make test            regression (pytest, parallel): RTL parameter sets + Python model tests
#   make sim WAVES=1     one bench run of the configured unit, writing an FST waveform
#   make lint            verilator --lint-only -Wall on every unit
#   make gen             just fit and generate the table package for the configuration
#   make synth           Yosys area (cells, transistors) and logic depth of every unit
#   make report          NN-LUT vs I-BERT vs SOLE: error, throughput, latency, area (+ docs/)
#   make e2e             all-MiniLM-L6-v2 with the units swapped in, before/after calibration
#
# Unit parameters (all targets): UNIT ENTRIES LANES IN_WIDTH IN_FRAC OUT_WIDTH OUT_FRAC.
# Every target creates .venv from requirements.txt when it is missing.

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
SIM      ?= verilator
WAVES    ?= 0
UNIT     ?= gelu
ENTRIES  ?= 16
LANES    ?= 4
IN_WIDTH ?= 16
OUT_WIDTH ?= 16
IN_FRAC  ?=
OUT_FRAC ?=
SEED     ?=
JOBS     ?= 2
SYNTH_LANES ?= 1

ROW_LENGTH ?= 128
DIM      ?= 384
PARAM_ARGS := --entries $(ENTRIES) --lanes $(LANES) --in-width $(IN_WIDTH) \
             --out-width $(OUT_WIDTH) $(if $(IN_FRAC),--in-frac $(IN_FRAC)) \
             $(if $(OUT_FRAC),--out-frac $(OUT_FRAC)) --row-length $(ROW_LENGTH) --dim $(DIM)
UNIT_ARGS := $(UNIT) $(PARAM_ARGS)

.DEFAULT_GOAL := all
.PHONY: all test sim lint gen clean distclean venv wave-deps synth synth-deps sim-deps report e2e

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# WAVES=1 needs the lz4/zlib headers for FST tracing; installed when missing.
WAVE_DEPS := $(if $(filter 1,$(WAVES)),wave-deps)

wave-deps:
	scripts/install_system_deps.sh waves

all: venv sim-deps synth-deps $(WAVE_DEPS)
	$(PY) scripts/main_job.py --sim $(SIM) --waves $(WAVES) $(PARAM_ARGS) $(if $(SEED),--seed $(SEED))
	$(PY) scripts/report.py $(if $(SEED),--seed $(SEED))

# End to end: all-MiniLM-L6-v2 with every non-linear op swapped for the units, before and
# after block-wise calibration (build/report/e2e.md, e2e.png; copied to docs/ by make report).
e2e: venv
	$(PY) scripts/e2e_eval.py --calibrate

# The NN-LUT / I-BERT / SOLE comparison (build/report/compare.md), also copied to docs/.
report: venv sim-deps synth-deps
	$(PY) scripts/report.py $(if $(SEED),--seed $(SEED))

sim: venv sim-deps $(WAVE_DEPS)
	$(PY) scripts/run_bench.py --sim $(SIM) --waves $(WAVES) $(UNIT_ARGS) $(if $(SEED),--seed $(SEED))

# The regression includes a synthesis smoke test, so it needs Debian's yosys too.
test: venv synth-deps sim-deps
	$(PY) -m pytest -n $(JOBS) --dist worksteal

synth-deps:
	scripts/install_system_deps.sh synth

# ccache is optional (builds work without it) but makes the regression's many builds cheap.
sim-deps:
	-scripts/install_system_deps.sh sim

synth: venv synth-deps
	$(PY) scripts/synth.py --lanes $(SYNTH_LANES) --entries $(ENTRIES)

lint: venv
	$(PY) scripts/lint.py

gen: venv
	$(PY) scripts/gen_table.py $(UNIT) --entries $(ENTRIES) --in-width $(IN_WIDTH) \
	  --out-width $(OUT_WIDTH) $(if $(IN_FRAC),--in-frac $(IN_FRAC)) $(if $(OUT_FRAC),--out-frac $(OUT_FRAC))

clean:
	rm -rf build .pytest_cache

distclean: clean
	rm -rf $(VENV)
