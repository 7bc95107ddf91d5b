#!/bin/sh
# Installs an app's dependencies into a venv during the runtime image build.
#   install-deps.sh DEPS_DIR VENV
# DEPS_DIR holds the app's dependency files at their paths relative to the app root,
# plus deps.env (written by evaonline.deploy's app_dependencies lookup): SHAPE,
# INSTALLER, ENTRIES and SUMMARY. A CA bundle at /run/secrets/ca (build secret `ca`)
# is trusted by pip and uv.
set -eu
deps=$1 venv=$2
. "$deps/deps.env"
echo "install-deps: $SUMMARY"

ca=""
if [ -s /run/secrets/ca ]; then
  ca=/run/secrets/ca
  export SSL_CERT_FILE=$ca   # uv reads it; pip gets --cert
fi

uv_bin() {
  # uv comes from PyPI into a throwaway directory of the builder stage.
  python3 -m pip install --no-cache-dir --quiet --target /tmp/uv ${ca:+--cert "$ca"} \
    "uv==${UV_VERSION:?UV_VERSION build argument missing}"
  echo /tmp/uv/bin/uv
}

set --
for entry in $ENTRIES; do set -- "$@" -r "$deps/$entry"; done

case "$INSTALLER:$SHAPE" in
  pip:requirements | pip:pyproject)
    python3 -m pip --python "$venv/bin/python" install --no-cache-dir --only-binary=:all: \
      ${ca:+--cert "$ca"} "$@"
    ;;
  uv:requirements | uv:pyproject)
    uv=$(uv_bin)
    "$uv" pip install --no-cache --compile-bytecode --only-binary :all: \
      --python "$venv/bin/python" "$@"
    ;;
  uv:uv)
    uv=$(uv_bin)
    # The lock, not a new resolution; the project itself is code, so it stays out.
    cd "$deps"
    UV_PROJECT_ENVIRONMENT=$venv UV_PYTHON_DOWNLOADS=never \
      "$uv" sync --frozen --no-install-project --no-dev --no-cache --compile-bytecode --python "$venv/bin/python"
    ;;
  *)
    echo "install-deps: unknown installer/shape $INSTALLER/$SHAPE" >&2
    exit 64
    ;;
esac
echo "install-deps: done"
