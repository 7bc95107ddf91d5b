# Shared by tests/run.sh and tests/demo.sh (sourced, not run).
# The pinned toolchain lives in a venv keyed by the requirement files, outside
# the checkout, so fresh clones on the same machine reuse it.
req_key=$(cat requirements-dev.txt requirements-app-test.txt app/requirements/production.txt | sha256sum | cut -c1-12)
VENV=${EVAONLINE_VENV:-$HOME/.cache/evaonline-deploy/venv-$req_key}
export PATH=$VENV/bin:$PATH
