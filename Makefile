# Négoce — developer entry points. `make help` lists them.
#
# The logic lives in deploy/*.sh so it can also be run without make (a fresh
# Debian has no make: `apt-get install make`, or call deploy/run.sh directly).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# nginx lives in /usr/sbin, which is not on a normal user's PATH on Debian.
export PATH := $(PATH):/usr/sbin:/sbin

PY := .venv/bin/python
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help venv lock infra run test test-operations bench docs messages lint lint-python compose-config compose-up compose-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

venv: ## create .venv and install requirements/dev.txt into it, development group included (skipped when up to date)
	@deploy/ensure-infra.sh venv

# The one command after editing pyproject.toml's dependencies: re-resolves them into
# requirements/runtime.txt and requirements/dev.txt (versions and hashes), then installs them into .venv.
# Commit the three files.
lock: ## re-resolve pyproject.toml into requirements/*.txt and install them (run after changing dependencies)
	@deploy/ensure-infra.sh lock
	@deploy/ensure-infra.sh venv

infra: ## make sure PostgreSQL, RabbitMQ, Redis answer locally and nginx is installed
	@deploy/ensure-infra.sh all

run: ## run everything in the foreground behind the gateway on 127.0.0.1:8080 (NEGOCE_PORT)
	@deploy/run.sh

# The gateway tests start their own nginx from deploy/nginx.conf.template via
# deploy/render-nginx.sh; NEGOCE_NGINX_BIN tells them which binary to run.
# The slow marked tests (operations, replicas) start whole systems of their own; they run after the
# suite, in a second pytest, so that no stack, session app or consumer of the suite runs beside them.
# Both run even when the first fails; either failing fails the target, and pytest's 5 (no tests
# collected) is a failure too. A targeted run (PYTEST_ARGS given) runs only the first.
SLOW_MARKERS := operations or replicas or history

test: ## lint, run the test suite, then the slow marked tests (extra pytest arguments: PYTEST_ARGS="-k foo -x")
	@deploy/ensure-infra.sh venv
	@deploy/ensure-infra.sh all
	@$(MAKE) --no-print-directory lint
	@nginx="$$(deploy/ensure-infra.sh nginx-path)"; chromium="$$(deploy/ensure-infra.sh browser-path)"; \
	suite=0; slow=0; \
	NEGOCE_NGINX_BIN="$$nginx" NEGOCE_CHROMIUM="$$chromium" $(PY) -m pytest $(PYTEST_ARGS) || suite=$$?; \
	if [ -n "$(strip $(PYTEST_ARGS))" ]; then echo "make test: PYTEST_ARGS given, slow marked tests not run"; \
	else NEGOCE_NGINX_BIN="$$nginx" $(PY) -m pytest -m '$(SLOW_MARKERS)' || slow=$$?; fi; \
	echo "make test: suite exit status $$suite, slow marked tests ($(SLOW_MARKERS)) exit status $$slow"; \
	[ "$$suite" -eq 0 ] && [ "$$slow" -eq 0 ]

test-operations: ## only the slow marked tests: whole `make run`s killed and restarted, two replicas of everything
	@deploy/ensure-infra.sh venv
	@deploy/ensure-infra.sh all
	NEGOCE_NGINX_BIN="$$(deploy/ensure-infra.sh nginx-path)" $(PY) -m pytest -m '$(SLOW_MARKERS)' $(PYTEST_ARGS)

bench: ## run the benchmarks (extra arguments: BENCH_ARGS=...)
	@deploy/ensure-infra.sh venv
	@deploy/ensure-infra.sh all
	NEGOCE_NGINX_BIN="$$(deploy/ensure-infra.sh nginx-path)" $(PY) -m bench $(BENCH_ARGS)

docs: ## generate the documentation
	@deploy/ensure-infra.sh venv
	$(PY) -m docs.generate

CONSOLE_LOCALE := services/console/locale

messages: ## extract the console's messages and update each language's catalogue (then translate the new ones)
	@deploy/ensure-infra.sh venv
	.venv/bin/pybabel extract -F services/console/babel.cfg -o $(CONSOLE_LOCALE)/messages.pot \
	    --no-location --sort-output -k _ -k N_ -k gettext -k ngettext:1,2 --project Négoce services/console
	.venv/bin/pybabel update -i $(CONSOLE_LOCALE)/messages.pot -d $(CONSOLE_LOCALE) --no-fuzzy-matching --ignore-obsolete

PY_SOURCES := services shared bench tests docs deploy

lint-python: ## lint and format-check the Python code with ruff, type-check it with mypy
	@deploy/ensure-infra.sh venv
	.venv/bin/ruff check $(PY_SOURCES)
	.venv/bin/ruff format --check $(PY_SOURCES)
	.venv/bin/mypy $(PY_SOURCES)

lint: lint-python ## lint the Python code, the shell scripts, the Procfile, the nginx config and docker-compose.yml
	bash -n deploy/run.sh deploy/ensure-infra.sh .ci/run
	sh -n deploy/render-nginx.sh
	@if command -v shellcheck >/dev/null; then \
	    shellcheck deploy/run.sh deploy/ensure-infra.sh deploy/render-nginx.sh .ci/run; \
	else echo "shellcheck not installed (apt-get install shellcheck): skipped"; fi
	@# PyYAML comes into .venv with uvicorn[standard].
	$(PY) -c 'import yaml; yaml.safe_load(open("docker-compose.yml"))' \
	    || { echo "docker-compose.yml does not parse"; exit 1; }
	$(PY) deploy/supervise.py --check deploy/Procfile
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	    deploy/render-nginx.sh "$$tmp" 8080 8101 8102 8103 8104 8105 8106 8081 && \
	    if nginx -v 2>/dev/null; then nginx -q -t -e stderr -p "$$tmp" -c "$$tmp/nginx.conf"; \
	    else echo "nginx not installed: rendered config not tested"; fi

# Debian's docker-compose (1.29) and Docker's `docker compose` both read the file; tests/test_compose.py
# runs the same check with every profile.
compose-config: ## validate docker-compose.yml (docker-compose config), every profile included
	@deploy/ensure-infra.sh compose
	$$(deploy/ensure-infra.sh compose-path) --env-file deploy/compose.env.example --profile observability --profile s3 config -q

compose-up: ## build and start the whole stack in Docker (needs a .env: see deploy/compose.env.example)
	@test -f .env || { echo "no .env: cp deploy/compose.env.example .env and replace every CHANGE-ME"; exit 1; }
	@deploy/ensure-infra.sh compose
	$$(deploy/ensure-infra.sh compose-path) up -d --build
	$$(deploy/ensure-infra.sh compose-path) logs migrate | tail -n 20

compose-down: ## stop the Docker stack (data volumes are kept)
	$$(deploy/ensure-infra.sh compose-path) down

clean: ## remove runtime files (.run/); keeps .venv
	rm -rf .run
