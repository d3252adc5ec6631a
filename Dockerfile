# One image for the API and the worker: `q2c api` or `q2c worker`.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY quote2cash ./quote2cash
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY runbooks ./runbooks
RUN uv sync --frozen --no-dev
# The workflow sandbox imports workflow modules afresh for every run: ship their bytecode,
# the tree is read-only for the worker (USER nobody).
RUN python -m compileall -q quote2cash workflows activities workers
ENV PATH=/app/.venv/bin:$PATH
USER nobody
ENTRYPOINT ["q2c"]
