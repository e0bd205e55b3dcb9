# The two commands a fresh machine needs: `make demo` and `make test`.
# Both create .venv on first use and install what they need into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= ../shared/datasets

.PHONY: demo test docs peers browser bench bench-analysis bench-index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[fast]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[fast,dev,bench,web,docs,cluster]"
	touch $@ $(VENV)/.installed

# `newsearch demo` alone indexes the 268 articles shipped in the package; from a clone the demo
# shows the larger sample of examples/ and the analysis of the scraped seed article.
demo: $(VENV)/.installed
	$(BIN)/newsearch demo --sample examples/ant_sample.jsonl.gz --seed tests/data/seed/scraped_article_ar.txt

# The documentation site (mkdocs.yml; API and CLI references generated) in site/; a warning
# fails the build. `docs/` is also a folder, hence .PHONY.
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The Lucene peer (benchmarks/peers/) needs Debian's Lucene jars and a JDK. Best effort: where
# they cannot be installed, its tests skip and say why.
peers:
	@if [ ! -e /usr/share/java/lucene-core.jar ] && ! ls /usr/share/java/lucene-core-*.jar >/dev/null 2>&1 \
	   && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get install -y -q liblucene8-java || { apt-get update -q && apt-get install -y -q liblucene8-java; }; } >/dev/null 2>&1 \
	    || echo "note: could not install liblucene8-java; the Lucene peer will be skipped"; \
	fi
	@command -v javac >/dev/null || echo "note: no javac; the Lucene peer will be skipped"

# The browser test (tests/test_web_browser.py) drives Debian's chromium through Playwright
# (Playwright's own browser download is not used). Best effort, like `peers`: where chromium
# cannot be installed, that test skips and says why.
browser:
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } >/dev/null 2>&1 \
	    || echo "note: could not install chromium; the browser test will be skipped"; \
	fi

test: $(VENV)/.installed-dev peers browser
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Ranking benchmark: every setup and peer of benchmarks/dev.toml on the four dev tasks;
# results in benchmarks/results/, tables and plots in docs/benchmarks.md.
# Stock Whoosh answers a query in 0.1-0.3 s, so its two setups run in a second process beside
# the rest (the machines have 2 cores); --report merges both into one result per task.
bench: $(VENV)/.installed-dev peers
	@tmp=$$(mktemp -d); \
	$(BIN)/newsearch bench benchmarks/dev.toml --data $(DATA) --setup '^(?!whoosh)' --out $$tmp/a & \
	$(BIN)/newsearch bench benchmarks/dev.toml --data $(DATA) --setup '^whoosh' --out $$tmp/b; \
	wait; \
	$(BIN)/newsearch bench benchmarks/dev.toml --report $$tmp/a/*.json.gz $$tmp/b/*.json.gz \
	  --docs docs/benchmarks.md --quiet

bench-analysis: $(VENV)/.installed
	$(BIN)/python benchmarks/analysis_speed.py --data $(DATA)

bench-index: $(VENV)/.installed
	$(BIN)/python benchmarks/index_speed.py --data $(DATA)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build site src/*.egg-info
