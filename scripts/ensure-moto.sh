#!/usr/bin/env bash
# Prints the python interpreter that can run `python -m moto.server`.
# Uses the machine's python3 when it already has moto's server extras;
# otherwise installs a pinned moto[server] into a git-ignored virtualenv.
set -euo pipefail
MOTO_VERSION="5.2.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-moto"

has_moto() { "$1" -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; }

if [[ -x "$venv/bin/python" ]] && has_moto "$venv/bin/python"; then
  echo "$venv/bin/python"; exit 0
fi
if command -v python3 >/dev/null 2>&1 && has_moto python3; then
  command -v python3; exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "ensure-moto: python3 is required to run the AWS emulator (moto)" >&2; exit 1; }
echo "ensure-moto: installing moto[server]==$MOTO_VERSION into .venv-moto" >&2
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet "moto[server]==$MOTO_VERSION" >&2
has_moto "$venv/bin/python" || { echo "ensure-moto: moto installed but its server cannot be imported" >&2; exit 1; }
echo "$venv/bin/python"
