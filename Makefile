# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install system-deps run lint test bench realmodel clean

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
system-deps:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

run: install
	$(BIN)/portal-agent db init --demo
	$(BIN)/portal-agent index build
	$(BIN)/portal-agent serve --host 127.0.0.1 --port 8000

# Lint, format and types: strict on the domain, the tools, the agent, the knowledge base and the composition
# root; the channels, evals and benchmarks checked too.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy --strict billing tools agent knowledge bootstrap
	$(BIN)/python -m mypy service evals bench

test: install system-deps lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench.run_all

# Opt-in, never part of `make test`: the model path against a real OpenAI-compatible endpoint (by default
# the local LLM of ../shared/tools/local-llm). Skips, saying why, when nothing answers there.
REALMODEL_ENV := PORTAL_LLM=openai OPENAI_BASE_URL=$${OPENAI_BASE_URL:-http://127.0.0.1:8082/v1} \
	OPENAI_API_KEY=$${OPENAI_API_KEY:-local} PORTAL_MODEL=$${PORTAL_MODEL:-qwen2.5-coder-1.5b-instruct}
realmodel: install
	@$(REALMODEL_ENV) $(BIN)/python -c "import os, urllib.request as u; u.urlopen(os.environ['OPENAI_BASE_URL'] + '/models', timeout=5)" \
	  2>/dev/null || { echo "SKIP realmodel: no OpenAI-compatible endpoint answers at $${OPENAI_BASE_URL:-http://127.0.0.1:8082/v1} (start ../shared/tools/local-llm)"; exit 0; }; \
	$(REALMODEL_ENV) $(BIN)/portal-agent eval --model openai --scripted-users --workers 1 --report eval-reports/realmodel; \
	$(REALMODEL_ENV) $(BIN)/python -m pytest -q -m realmodel tests/realmodel

clean:
	rm -rf $(VENV) .portal
