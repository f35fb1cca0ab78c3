# The two set-up commands of the README. Each creates .venv (Python >= 3.12) if missing.
VENV := .venv
PY := $(VENV)/bin/python
EXTRAS ?= test,viz
SCENARIO ?= base
OUT ?= out/$(SCENARIO)

.PHONY: run test lint docs bench bench-app screenshots setup clean

setup:
	@tools/bootstrap $(EXTRAS)

run: setup           ## run the built-in default scenario, write out/base/
	$(VENV)/bin/mutualsim run $(SCENARIO) --out $(OUT)

test: setup          ## the full test suite (what CI runs)
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check sim tests benchmarks

docs: setup          ## regenerate docs/parameters.md from the registry
	$(VENV)/bin/mutualsim params --markdown > docs/parameters.md

screenshots: setup  ## re-take the README's screenshots of the app (docs/img/)
	MUTUALSIM_SCREENSHOTS=docs $(PY) -m pytest -q tests/test_viz_app.py

bench: setup
	$(PY) benchmarks/person_update.py

bench-app: setup     ## the app's compare-mode speed in real Chromium (benchmarks/README.md)
	$(PY) benchmarks/app_speed.py --reps 5 --out benchmarks/results-app_speed.json

clean:
	rm -rf $(VENV) out .pytest_cache
