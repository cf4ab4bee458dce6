#!/usr/bin/env bash
# Run the Lambda-side tests (tests/engine, tests/adapters) on every supported Python.
#
# For each version it finds an interpreter (pyenv's versions first, then PATH), keeps a venv
# .venv-pyX.Y with corsway[lambda-test] installed (reinstalled when pyproject.toml changes) and
# runs pytest there quietly. A missing interpreter is reported and skipped, or is an error when
# CORSWAY_REQUIRE_PYTHONS=1. Usage: scripts/test-pythons.sh [X.Y ...] (default: 3.10 to 3.13).
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then versions=(3.10 3.11 3.12 3.13); fi
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}

# Print the path of a working pythonX.Y, or nothing.
find_python() {
  local version=$1 candidate
  local -a candidates=()
  # pyenv installs, newest patch release first (a pyenv shim on PATH may not be activated).
  while IFS= read -r candidate; do candidates+=("$candidate"); done < <(
    ls -d "$pyenv_root"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -rV
  )
  candidate=$(command -v "python$version" 2>/dev/null || true)
  if [ -n "$candidate" ]; then candidates+=("$candidate"); fi
  for candidate in "${candidates[@]}"; do
    if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" \
      = "$version" ]; then
      echo "$candidate"
      return
    fi
  done
}

passed=() skipped=() failed=()
for version in "${versions[@]}"; do
  python=$(find_python "$version")
  if [ -z "$python" ]; then
    echo "pytest-pythons: Python $version not found (no pyenv install, no python$version on PATH)"
    skipped+=("$version")
    continue
  fi
  venv=.venv-py$version
  stamp=$venv/.corsway-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || ! "$venv/bin/python" -c '' 2>/dev/null
  then
    echo "pytest-pythons: setting up $venv with $python"
    if ! "$venv/bin/python" -c '' 2>/dev/null; then "$python" -m venv --clear "$venv"; fi
    if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip &&
      "$venv/bin/python" -m pip install --quiet -e '.[lambda-test]'; } >"$venv/pip.log" 2>&1
    then
      cat "$venv/pip.log"
      echo "pytest-pythons: installing corsway[lambda-test] into $venv failed" >&2
      exit 1
    fi
    touch "$stamp"
  fi
  log=$venv/pytest.log
  if "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/engine tests/adapters >"$log" 2>&1
  then
    echo "pytest-pythons: Python $version: $(tail -n 1 "$log")"
    passed+=("$version")
  else
    cat "$log"
    echo "pytest-pythons: Python $version: FAILED (log above, also in $log)"
    failed+=("$version")
  fi
done

echo "pytest-pythons: passed on ${passed[*]:-none}; failed on ${failed[*]:-none};" \
  "skipped (not installed) ${skipped[*]:-none}"
if [ ${#failed[@]} -gt 0 ]; then exit 1; fi
if [ ${#skipped[@]} -gt 0 ] && [ "${CORSWAY_REQUIRE_PYTHONS:-0}" = 1 ]; then
  echo "pytest-pythons: CORSWAY_REQUIRE_PYTHONS=1 but Python ${skipped[*]} missing" >&2
  exit 1
fi
