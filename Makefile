# Boussole — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
MODEL_DIR := $(DATA_DIR)/models/multilingual-e5-small-int8
CORPUS ?= ../shared/corpus

PYCSW_VENV := .venv-pycsw

.PHONY: install model index-demo run serve test lint typecheck unit bench eval lock lock-pycsw pycsw clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# A real CSW server for the catalogue tests: pycsw 2.6 needs sqlalchemy<2, so it lives in
# its own virtualenv and runs as a separate process on loopback.
pycsw: $(PYCSW_VENV)/.installed

$(PYCSW_VENV)/.installed: requirements-pycsw.lock
	test -x $(PYCSW_VENV)/bin/python || $(PYTHON) -m venv $(PYCSW_VENV)
	$(PYCSW_VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements-pycsw.lock
	touch $@

model: install
	$(BIN)/boussole models prepare

# The demo's register of conventions (fictional), joined to demo_corpus/conventions/.
DEMO_ENV := BOUSSOLE_CONVENTIONS__REGISTER_FILE=demo_conventions.yaml \
	BOUSSOLE_CONVENTIONS__ROOT=demo_corpus BOUSSOLE_UI__DOCUMENTS_ROOT=demo_corpus

index-demo: model
	$(DEMO_ENV) $(BIN)/boussole index demo_corpus || test $$? -eq 3

run: index-demo
	$(DEMO_ENV) $(BIN)/boussole serve

serve: install
	$(BIN)/boussole serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: model pycsw
	BOUSSOLE_TEST_MODEL_DIR=$(abspath $(MODEL_DIR)) BOUSSOLE_REQUIRE_PYCSW=1 \
		BOUSSOLE_TEST_ARTIFACTS=tests/artifacts $(BIN)/pytest -q

test: lint typecheck unit

# Index ../shared/corpus into its own data dir (models shared), then score the dev set
# in the three modes and the paraphrase set (everyday wording); reports land in
# $(EVAL_DIR)/reports/.
EVAL_DIR ?= $(DATA_DIR)/eval
eval: model
	mkdir -p $(EVAL_DIR) && ln -sfn $(abspath $(DATA_DIR)/models) $(EVAL_DIR)/models
	BOUSSOLE_DATA_DIR=$(EVAL_DIR) $(BIN)/boussole index $(CORPUS) || test $$? -eq 3
	for mode in hybrid dense sparse; do \
		BOUSSOLE_DATA_DIR=$(EVAL_DIR) $(BIN)/boussole eval --questions eval/questions/dev.jsonl \
			--mode $$mode --report $(EVAL_DIR)/reports/eval-dev-$$mode.json || exit 1; \
	done
	BOUSSOLE_DATA_DIR=$(EVAL_DIR) $(BIN)/boussole eval --questions eval/questions/paraphrase.jsonl \
		--report $(EVAL_DIR)/reports/eval-paraphrase-hybrid.json

bench: model pycsw
	BOUSSOLE_TEST_MODEL_DIR=$(abspath $(MODEL_DIR)) $(BIN)/python bench/bench.py --corpus $(CORPUS)

# Re-resolve the pinned, hashed requirements after editing pyproject.toml.
lock:
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--no-header -o requirements.lock

lock-pycsw:
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile tests/pycsw/requirements.in --generate-hashes --python-version 3.11 \
		--no-header -o requirements-pycsw.lock

clean:
	rm -rf $(VENV) $(PYCSW_VENV) $(DATA_DIR)
