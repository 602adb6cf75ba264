# Campus: every developer task is a target here. `make run` and `make test` do all
# set-up themselves on a fresh machine (Rust toolchain and python3 assumed).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
VENV_SAM := .venv-sam
VENV_LAMBDA := .venv-lambda
VENV_FUZZ := .venv-fuzz
VENV_LOAD := .venv-load
# Schemathesis examples per operation in `make fuzz` (and so in `make test`).
FUZZ_EXAMPLES ?= 5
FUNCTIONS := $(notdir $(wildcard functions/*))
# What a bench builds: the functions named ("peer" is the Express peer, not built here).
BUILT = $(filter-out peer,$(FUNCTIONS))
PORT     ?= 3000
AWS_PORT ?= 4566
# The settings `make run` uses; copy .env.example to .env to change them.
ENV_FILE := $(if $(wildcard .env),.env,.env.example)

JOB ?= deadlines
# make load: virtual users, run time (s, m or h), each user's pause between actions (s),
# a cap on requests; TARGET=URL uses a running stack instead of starting one.
USERS ?= 20
DURATION ?= 20m
THINK ?= 2-6
MAX_REQUESTS ?= 500000

.PHONY: help run job superadmin test fuzz load bench bench-scenario lambda-arm64 validate-template openapi build fmt clean deploy deploy-check sam-build

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: infra/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(VENV_LAMBDA)/.installed: infra/requirements-lambda.txt
	python3 -m venv $(VENV_LAMBDA)
	$(VENV_LAMBDA)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(VENV_FUZZ)/.installed: infra/requirements-fuzz.txt
	python3 -m venv $(VENV_FUZZ)
	$(VENV_FUZZ)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(VENV_LOAD)/.installed: infra/requirements-load.txt
	python3 -m venv $(VENV_LOAD)
	$(VENV_LOAD)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(VENV_SAM)/.installed: infra/requirements-sam.txt
	python3 -m venv $(VENV_SAM)
	$(VENV_SAM)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

run: $(VENV)/.installed ## The whole API on http://127.0.0.1:$(PORT) with the local AWS stack and demo data
	cargo build -p campus-local
	set -a; source $(ENV_FILE); set +a; \
	  PORT=$(PORT) WS_MANAGEMENT_URL=http://127.0.0.1:$(PORT) \
	  infra/scripts/with-emulator.sh --port $(AWS_PORT) target/debug/campus-local serve

job: ## Run a scheduled job once on the running `make run` stack: JOB=deadlines|events|team-reports [NOW=YYYY-MM-DD: as if then]
	cargo build -p campus-local
	set -a; source $(ENV_FILE); set +a; \
	  AWS_ENDPOINT_URL=http://127.0.0.1:$(AWS_PORT) WS_MANAGEMENT_URL=http://127.0.0.1:$(PORT) \
	  NOW=$(NOW) target/debug/campus-local job $(JOB)

test: $(VENV)/.installed $(VENV_SAM)/.installed $(VENV_FUZZ)/.installed ## Everything CI checks
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(MAKE) --no-print-directory validate-template
	cd infra/emulator && ../../$(VENV)/bin/python -m unittest -q test_emulator
	$(VENV)/bin/python infra/scripts/module-graph.py
	$(VENV)/bin/python infra/scripts/test-targets.py
	rm -rf .local/iam-calls
# --tests: the workspace has no doc tests, and rustdoc's pass over every crate finds none.
	CAMPUS_IAM_RECORD=$(CURDIR)/.local/iam-calls infra/scripts/with-emulator.sh cargo test --workspace --tests
	CAMPUS_IAM_RECORD=$(CURDIR)/.local/iam-calls $(MAKE) --no-print-directory fuzz
	target/debug/campus-local iam-report .local/iam-calls

# The whole workspace's libraries with the local stack's binary: `-p campus-local`
# alone resolves its dependencies' features apart from the workspace's, and so rebuilt
# the SDK chain right after `cargo test` had built it (about 4 of make test's minutes).
fuzz: $(VENV)/.installed $(VENV_FUZZ)/.installed ## Schemathesis against GET /api/docs on the whole local stack: no 5xx, answers as documented
	cargo build -q --workspace --lib --bin campus-local
	infra/scripts/with-emulator.sh infra/scripts/fuzz.sh $(FUZZ_EXAMPLES)

validate-template: $(VENV_SAM)/.installed ## sam validate, and cfn-lint on the SAM-transformed template
	@mkdir -p .local
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(VENV_SAM)/bin/sam validate --template template.yaml >/dev/null
	$(VENV_SAM)/bin/python infra/scripts/transform.py template.yaml > .local/transformed.json
	$(VENV_SAM)/bin/cfn-lint --format parseable .local/transformed.json

superadmin: ## Create a platform operator on the running `make run` stack: EMAIL=… PASSWORD=… [NAME=…]
	cargo build -p campus-local
	set -a; source $(ENV_FILE); set +a; \
	  AWS_ENDPOINT_URL=http://127.0.0.1:$(AWS_PORT) EMAIL="$(EMAIL)" PASSWORD="$(PASSWORD)" NAME="$(NAME)" \
	  target/debug/campus-local superadmin

openapi: ## Regenerate docs/openapi.json from the code
	cargo run -q -p campus-local -- openapi > docs/openapi.json

fmt: ## Format the code
	cargo fmt --all

load: $(VENV)/.installed $(VENV_LOAD)/.installed ## USERS virtual users walk the whole local stack for DURATION: latency, errors, memory -> bench/load.json, bench/load.png
	cargo build -q -p campus-local
	$(VENV_LOAD)/bin/python bench/load/load.py --users $(USERS) --duration $(DURATION) --think $(THINK) \
	  --max-requests $(MAX_REQUESTS) $(if $(TARGET),--target $(TARGET))

bench: $(VENV)/.installed ## Cold start, warm latency, DynamoDB round trips, memory, package size; beside an Express peer (FUNCTIONS="auth peer": only those)
	$(if $(BUILT),cargo build --release $(addprefix -p campus-,$(sort $(BUILT) floor)))
	$(if $(BUILT),@$(MAKE) --no-print-directory lambda-arm64 FUNCTIONS="$(BUILT)" || echo "bench: the arm64 packages could not be built here; sizes are of the host build only")
	cd bench/peer && npm ci --no-audit --no-fund --silent
	cargo build -q -p campus-bench
	@mkdir -p .local
	set -o pipefail; set -a; source .env.example; set +a; \
	  TABLE_NAME=campus-bench BUCKET_NAME=campus-bench LOG_LEVEL=warn \
	  RATE_LIMIT_USER_PER_MINUTE=1000000 RATE_LIMIT_TEAM_PER_MINUTE=1000000 RATE_LIMIT_EXPORT_PER_MINUTE=1000000 \
	  SIGNIN_FAILURES_PER_IP=1000000 ACCESS_TOKEN_TTL_SECONDS=86400 \
	  $(if $(filter command line,$(origin FUNCTIONS)),BENCH_FUNCTIONS="$(FUNCTIONS)") \
	  infra/scripts/with-emulator.sh target/debug/campus-bench | tee .local/bench.md

bench-scenario: $(VENV)/.installed ## Only the DynamoDB round-trip walk over every endpoint (no release build)
	cargo build -q -p campus-bench
	set -a; source .env.example; set +a; TABLE_NAME=campus-bench BUCKET_NAME=campus-bench LOG_LEVEL=warn \
	  infra/scripts/with-emulator.sh target/debug/campus-bench --scenario-only

# Stamped with the commit's time, not the clock's: the stamp is compiled into every
# binary, so a clock stamp made each run relink all of them (half an hour here), and a
# `make bench` resumed after an interruption rebuilt what it had already measured.
lambda-arm64: $(VENV_LAMBDA)/.installed ## Lambda packages: target/lambda/<function>/bootstrap for arm64 (cargo-lambda + zig)
	rustup target add aarch64-unknown-linux-gnu
	CAMPUS_GIT_COMMIT=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown) \
	  CAMPUS_BUILT_AT=$$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown) \
	  PATH=$(CURDIR)/$(VENV_LAMBDA)/bin:$$PATH cargo lambda build --release --arm64 $(addprefix -p campus-,$(FUNCTIONS))

build: lambda-arm64 ## Release build of every function for Lambda (arm64)

# sam build: every function through cargo-lambda (samconfig.toml turns on the beta
# feature), stamped with the commit and build time (GET /api/version).
sam-build: $(VENV_SAM)/.installed $(VENV_LAMBDA)/.installed
	rustup target add aarch64-unknown-linux-gnu
	CAMPUS_GIT_COMMIT=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown) \
	  CAMPUS_BUILT_AT=$$(date -u +%Y-%m-%dT%H:%M:%SZ) SAM_CLI_TELEMETRY=0 \
	  PATH=$(CURDIR)/$(VENV_LAMBDA)/bin:$$PATH $(VENV_SAM)/bin/sam build

deploy-check: validate-template sam-build ## Everything a deploy needs that works offline: sam build (cargo-lambda, arm64), sam validate, cfn-lint
	@echo "deploy-check: built $$(ls .aws-sam/build | grep -c Function) functions into .aws-sam/build"

deploy: sam-build ## Build and deploy to AWS (the first time guided: it saves its answers in samconfig.toml)
	if grep -q '^\[default.deploy.parameters\]' samconfig.toml; then \
	  SAM_CLI_TELEMETRY=0 $(VENV_SAM)/bin/sam deploy; \
	else \
	  SAM_CLI_TELEMETRY=0 $(VENV_SAM)/bin/sam deploy --guided --capabilities CAPABILITY_IAM; \
	fi

clean:
	rm -rf target .local .aws-sam $(VENV) $(VENV_SAM) $(VENV_LAMBDA) $(VENV_FUZZ) $(VENV_LOAD) bench/peer/node_modules
