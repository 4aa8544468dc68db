# slaplan: the two commands of the README, plus the notebooks and the presentation server.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
PRESENT_PORT ?= 8866
# notebook_shim (pulled in by JupyterLab) only bridges classic-notebook server extensions, of
# which slaplan has none; linking it reads every ServerApp setting, the deprecated
# ServerApp.token among them, and prints a traitlets DeprecationWarning on every start
LAB_FLAGS := --ServerApp.jpserver_extensions='{"notebook_shim": False}'

.PHONY: setup demo test lint notebooks unit lab present clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,present,postgresql]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

## demo: the main job on the bundled samples: attainability check, then the HTML review report
demo: setup
	$(BIN)/slaplan check
	$(BIN)/slaplan review --out reports/review.html
	@echo "review report written to reports/review.html (open it in a browser; no kernel needed)"

## test: everything CI runs (lint, clean notebooks, unit and property tests, notebooks under nbval)
test: setup lint unit notebooks

lint: setup
	$(BIN)/python tools/check_notebooks_clean.py notebooks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: setup
	$(BIN)/python -m pytest tests

notebooks: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly notebooks

lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ROOT) $(LAB_FLAGS)

## present: both dashboards (planner, capacity) from one Voilà server on 127.0.0.1:$(PRESENT_PORT),
## with the project's settings in etc/voila.py (dashboard cells only, kernels end with their page)
present: setup
	@echo "planner:  http://127.0.0.1:$(PRESENT_PORT)/voila/render/02_target_planner.ipynb"
	@echo "capacity: http://127.0.0.1:$(PRESENT_PORT)/voila/render/03_capacity_and_response.ipynb"
	$(BIN)/voila notebooks --no-browser --Voila.ip=127.0.0.1 --port=$(PRESENT_PORT) \
		--Voila.config_file_paths=etc

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache .hypothesis
