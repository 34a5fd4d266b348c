# NN-LUT non-linear units: fit, generate, simulate, report.
#
#   make                 main job: fit tables, generate SV, run the NN-LUT units' benches, print
#                        the summary and write build/report/, then the comparison report
#   make test            regression (pytest, parallel): every unit's parameter sets + Python tests
#   make sim UNIT=u      one bench run of unit u (any registered unit; WAVES=1 for an FST waveform)
#   make lint            verilator --lint-only -Wall on every unit
#   make gen             just fit and generate the GELU table package for the configuration
#   make synth           cost sweep: OSU 0.18 um area (flops counted), OpenSTA Fmax and power,
#                        ECP5 place and route; every unit at LANES 1/4/16 and the NN-LUT options
#                        (build/synth/results.json; cached by configuration)
#   make report          every unit side by side: error, throughput, latency, cost (+ docs/)
#   make e2e             all-MiniLM-L6-v2 with the units swapped in, before/after calibration
#   make explore         design search: the smallest GELU/Softmax/LayerNorm units that keep MiniLM
#                        faithful, by a learned cost evaluator and gradient search, against random
#                        and greedy search (build/report/explore.md, docs/explore/); DASK=local or
#                        DASK=tcp://host:8786 synthesizes on a Dask cluster
#   make mutate          mutation campaign: 15 RTL mutants per unit, each unit's benches as killer
#                        (build/mutate/report.md)
#   make units           the registered units and their options
#
# Unit options (each given one is passed on; a unit that lacks it refuses it by name, and
# unset ones take the unit's own defaults): ENTRIES LANES IN_WIDTH IN_FRAC OUT_WIDTH OUT_FRAC FIT
# ROW_LENGTH DIM. SEED fixes the bench seed (make sim draws and prints one otherwise).
# Every target creates .venv from requirements.txt when it is missing.

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
SIM      ?= verilator
WAVES    ?= 0
UNIT     ?= gelu
SEED     ?=
JOBS     ?= 2

# --entries 16 for ENTRIES=16, and so on, for each of the named variables that is set.
options = $(foreach v,$(1),$(if $($(v)),--$(subst _,-,$(shell echo $(v) | tr A-Z a-z)) $($(v))))
UNIT_OPTIONS := $(call options,ENTRIES LANES IN_WIDTH IN_FRAC OUT_WIDTH OUT_FRAC FIT ROW_LENGTH DIM)
SEED_OPTION := $(if $(SEED),--seed $(SEED))

.DEFAULT_GOAL := all
.PHONY: all test sim lint gen clean distclean venv wave-deps synth synth-deps sim-deps report e2e explore units mutate coverage

venv: $(VENV)/.installed

# The project itself is installed in editable mode (compat: a path entry), so `python -m flow.<cmd>`
# works from anywhere and the simulator's Python finds the benches.
$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
	  --config-settings editable_mode=compat -e .
	@touch $@

# WAVES=1 needs the lz4/zlib headers for FST tracing; installed when missing.
WAVE_DEPS := $(if $(filter 1,$(WAVES)),wave-deps)

wave-deps:
	scripts/install_system_deps.sh waves

all: venv sim-deps synth-deps $(WAVE_DEPS)
	$(PY) -m flow.main_job --sim $(SIM) --waves $(WAVES) $(UNIT_OPTIONS) $(SEED_OPTION)
	$(PY) -m flow.compare --cost cached --no-docs $(SEED_OPTION)

# End to end: all-MiniLM-L6-v2 with every non-linear op swapped for the units, before and
# after block-wise calibration (build/report/e2e.md, e2e.png; copied to docs/ by make report).
e2e: venv
	$(PY) -m flow.e2e --calibrate

# Design search (flow/explore): cost samples from docs/explore/cost_samples.json (synthesized where
# the sources changed), evaluator, searches, verification; 22 min 45 s on a clean clone from the
# snapshots, venv included (README, "Design search").
DASK ?=
explore: venv synth-deps
	$(PY) -m flow.explore --jobs $(JOBS) $(if $(DASK),--dask $(DASK)) $(SEED_OPTION)

# Every unit side by side (build/report/compare.md), also copied to docs/.
report: venv sim-deps synth-deps
	$(PY) -m flow.compare $(SEED_OPTION)

sim: venv sim-deps $(WAVE_DEPS)
	$(PY) -m flow.sim $(UNIT) --sim $(SIM) --waves $(WAVES) $(UNIT_OPTIONS) $(SEED_OPTION)

units: venv
	$(PY) -m flow.units

# The regression includes a cost-flow smoke test, so it needs the cell library and OpenSTA too.
test: venv synth-deps sim-deps
	$(PY) -m pytest -n $(JOBS) --dist worksteal

synth-deps:
	scripts/install_system_deps.sh synth

# ccache is optional (builds work without it) but makes the regression's many builds cheap.
sim-deps:
	-scripts/install_system_deps.sh sim

synth: venv synth-deps
	$(PY) -m flow.synth --jobs $(JOBS)

lint: venv
	$(PY) -m flow.lint

mutate: venv sim-deps
	$(PY) -m flow.mutate --jobs $(JOBS)

coverage: venv sim-deps
	$(PY) -m flow.coverage --jobs $(JOBS) $(SEED_OPTION)

gen: venv
	$(PY) -m flow.gen_table gelu $(call options,ENTRIES IN_WIDTH IN_FRAC OUT_WIDTH OUT_FRAC)

clean:
	rm -rf build .pytest_cache

distclean: clean
	rm -rf $(VENV)
