# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/portal-agent db init --demo
	$(BIN)/portal-agent index build
	$(BIN)/portal-agent serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .portal
