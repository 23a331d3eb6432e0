# The two commands: `make serve` runs draftgate, `make test` runs the tests.
# Both set everything up on a fresh machine (a virtualenv from the pinned lock file).

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: serve test bench install browser lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --require-hashes -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

serve: $(STAMP)
	$(VENV)/bin/draftgate serve

browser:
	@scripts/ensure-chromium

test: $(STAMP) browser
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

lock:
	uv pip compile pyproject.toml --extra test --generate-hashes -o requirements.lock -p 3.11

clean:
	rm -rf $(VENV) draftgate.db draftgate.db-wal draftgate.db-shm
