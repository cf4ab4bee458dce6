"""The engine's import footprint: lazy re-export from ``corsway``, standard library only, and none
of the modules that make imports slow (their absence is what keeps cold starts cheap)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

# Modules that cost milliseconds each to import; corsway.cors must not pull them in.
HEAVY = ["re", "typing", "dataclasses", "enum", "inspect", "collections", "ipaddress", "json"]

PROBE = """
import json, sys
before = set(sys.modules)
{statement}
after = set(sys.modules) - before
print(json.dumps(sorted(after)))
"""


def engine_modules() -> set[str]:
    """``corsway.cors`` and every module of the package (``import corsway.cors`` loads them all)."""
    import corsway.cors

    submodules = pkgutil.iter_modules(corsway.cors.__path__, "corsway.cors.")
    return {"corsway.cors", *(module.name for module in submodules)}


def new_modules(statement: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules: list[str] = json.loads(result.stdout)
    return modules


def test_importing_the_package_does_not_load_the_engine() -> None:
    loaded = new_modules("import corsway")
    assert not engine_modules() & set(loaded)
    assert [m for m in loaded if m.startswith("corsway")] == ["corsway"]


def test_names_are_re_exported_lazily_from_the_package() -> None:
    import corsway
    import corsway.cors

    assert corsway.CorsPolicy is corsway.cors.CorsPolicy
    assert corsway.CorsConfigError is corsway.cors.CorsConfigError
    assert {"CorsPolicy", "CorsConfigError"} <= set(dir(corsway))
    loaded = new_modules("from corsway import CorsPolicy")
    assert "corsway.cors" in loaded


def test_unknown_package_attribute_is_an_attribute_error() -> None:
    import corsway

    try:
        corsway.DoesNotExist  # noqa: B018
    except AttributeError as error:
        assert "DoesNotExist" in str(error)
    else:
        raise AssertionError("expected AttributeError")


def test_engine_imports_only_light_standard_library_modules() -> None:
    loaded = new_modules(
        "import corsway.cors\n"
        "corsway.cors.CorsPolicy(origins=['https://a.example', 'https://*.b.example'],"
        " methods=['PUT'], request_headers=['X-A', 'X-B'], credentials=True)"
        ".decide('OPTIONS', {'Origin': 'https://a.example',"
        " 'Access-Control-Request-Method': 'PUT'})"
    )
    ours = {m for m in loaded if m.split(".")[0] == "corsway"}
    assert ours == {"corsway", *engine_modules()}
    others = [m for m in loaded if m not in ours]
    assert all(m.split(".")[0] in sys.stdlib_module_names for m in others), others
    assert not set(HEAVY) & set(others), others
