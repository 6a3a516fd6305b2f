# crmlab — two commands on a fresh machine with Python 3.11+ and make:
#   make lessons   execute every lesson into build/lessons/ (.ipynb and .html)
#   make test      run the whole test suite, notebooks included
# Each creates .venv if absent and installs what it needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= $(shell $(PYTHON) -c "import os; print(os.cpu_count() or 1)")

.PHONY: help install lessons test lint format lab data exercises exercises-check check-notebooks grade bench book clean

help:
	@echo "make lessons    execute every lesson notebook into build/lessons/"
	@echo "make test       lint and run the whole test suite (notebooks included)"
	@echo "make lab        open JupyterLab at the repository root, on the lessons"
	@echo "make data       download and verify the real datasets (cache: CRMLAB_DATA)"
	@echo "make exercises  regenerate student and solution exercise notebooks from their sources"
	@echo "make bench      run the benchmarks against lifetimes (separate .venv-bench)"
	@echo "make book       build the lessons as a static website into build/book/ (offline)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,book,spark]"
	@touch $(STAMP)

install: $(STAMP)

data: $(STAMP)
	$(BIN)/python -m crmlab.datasets

lessons: data
	$(BIN)/crmlab lessons --out build/lessons --jobs $(JOBS)

# The site of the executed lessons (Sphinx + myst-nb + Furo, formulas as MathML, no network);
# lessons whose copy in build/lessons is missing or older than the notebook are executed first.
book: data
	$(BIN)/crmlab book --out build/book --executed build/lessons --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Lab is rooted at the repository, so that the exercise sets (exercises/) the lessons point to
# are in its file browser; it opens on notebooks/. Figures show even when the shell sets
# MPLBACKEND=Agg: the kernels get the inline backend.
lab: data
	MPLBACKEND=module://matplotlib_inline.backend_inline \
	  $(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks

exercises: $(STAMP)
	$(BIN)/crmlab exercises build

exercises-check: $(STAMP)
	$(BIN)/crmlab exercises build --check

check-notebooks: $(STAMP)
	$(BIN)/crmlab check-notebooks

# make grade SUBMISSIONS=path/to/folder EXERCISE=01
grade: $(STAMP)
	$(BIN)/crmlab grade $(SUBMISSIONS) --exercise $(EXERCISE) --out grades_$(EXERCISE).csv

# Benchmarks compare against lifetimes, which is never a crmlab dependency: it lives only in
# the separate environment .venv-bench.
.venv-bench/.installed-stamp: pyproject.toml
	@test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --upgrade pip
	.venv-bench/bin/python -m pip install --quiet -e . lifetimes
	@touch $@

bench: .venv-bench/.installed-stamp data
	.venv-bench/bin/python benchmarks/bench_summary.py
	.venv-bench/bin/python benchmarks/bench_btyd.py
	.venv-bench/bin/python benchmarks/bench_scale.py --sizes 1e6 1e7 --lifetimes-python .venv-bench/bin/python

clean:
	rm -rf build .pytest_cache
