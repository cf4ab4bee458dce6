"""What a handler's source shows about CORS, read statically (never imported or run).

Python is read with `ast`: the handler function, and what it reaches in its module (module
functions it calls, module names it uses, every module-level statement) and in local modules it
imports. Node.js is read as text with comments and regular expressions blanked out: the whole
file and the local files it requires. Either way the questions are: does it ever name
`Access-Control-Allow-Origin`, does it use a CORS helper (corsway `@cors`,
`lambda_decorators.cors_headers`, Middy `cors`, Powertools `CORSConfig`, a CORS middleware), and
can we tell at all (`sets_allow_origin is None` when its responses come from code we cannot
read, such as a web framework behind an adapter).
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from corsway.errors import SourceLocation
from corsway.lint.jssource import JsSource

ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
_CORS_NAME = re.compile(r"cors", re.IGNORECASE)
_MAX_NODE_FILES = 20
# Packages whose handlers answer through a web framework corsway cannot read.
_NODE_ADAPTERS = frozenset(
    (
        "serverless-http",
        "@vendia/serverless-express",
        "@codegenie/serverless-express",
        "aws-serverless-express",
        "lambda-api",
        "express",
        "koa",
        "fastify",
        "@hapi/hapi",
    )
)
_NODE_CORS_HELPER = re.compile(
    r"""\b(?:cors|httpCors)\s*\(|require\(\s*['"][^'"]*cors[^'"]*['"]|from\s+['"][^'"]*cors[^'"]*['"]""",
    re.IGNORECASE,
)
_NODE_REQUIRE = re.compile(r"""(?:require\(\s*|\bfrom\s+|\bimport\s+)(['"])([^'"]+)\1""")
_NODE_ORIGIN_READ = re.compile(r"""headers\s*(?:\.\s*origin\b|\[\s*(['"])origin\1\s*\])""")
_NODE_ORIGIN_OTHER = re.compile(
    r"""headers\s*(?:\.\s*Origin\b|\[\s*(['"])Origin\1\s*\])|toLowerCase\(\)"""
)
_NODE_STAR_ORIGIN = re.compile(
    r"""['"]?Access-Control-Allow-Origin['"]?\s*:\s*(['"])\*\1""", re.IGNORECASE
)
_NODE_TRUE_CREDENTIALS = re.compile(
    r"""['"]?Access-Control-Allow-Credentials['"]?\s*:\s*(?:true\b|(['"])true\1)""",
    re.IGNORECASE,
)
_NODE_CORS_HEADER = re.compile(r"""(['"`])(Access-Control-[A-Za-z-]+)\1""", re.IGNORECASE)


@dataclass
class HandlerFacts:
    """What the source of one handler shows."""

    location: SourceLocation  # the handler's definition (or its file)
    language: str  # "python" | "node"
    sets_allow_origin: bool | None  # None: cannot tell (its responses come from unread code)
    cors_helper: str | None = None  # the helper that adds CORS headers, when one is used
    cors_headers: list[tuple[SourceLocation, str]] = field(default_factory=list)
    star_with_credentials: list[SourceLocation] = field(default_factory=list)
    origin_reads: list[SourceLocation] = field(default_factory=list)  # one spelling only


def analyze_handler(service_dir: Path, handler: str, runtime: object) -> HandlerFacts | None:
    """The facts of `handler` (as written in serverless.yml), or None when its file is missing
    or unreadable, or the runtime is neither Python nor Node.js."""
    name = runtime if isinstance(runtime, str) else ""
    if name.startswith("python"):
        return _python(service_dir, handler)
    if name.startswith("nodejs") or not name:
        return _node(service_dir, handler)
    return None


# --- Python ---------------------------------------------------------------------------------


def _python(service_dir: Path, handler: str) -> HandlerFacts | None:
    module, dot, function = handler.rpartition(".")
    if not dot or not module or not function:
        return None
    base = service_dir / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return _python_file(candidate, service_dir, function)
    return None


@lru_cache(maxsize=256)
def _parse_python(path: Path, mtime: float) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None


def _parsed(path: Path) -> ast.Module | None:
    try:
        return _parse_python(path, path.stat().st_mtime)
    except OSError:
        return None


def _python_file(path: Path, service_dir: Path, function: str) -> HandlerFacts | None:
    tree = _parsed(path)
    if tree is None:
        return None
    display = path.relative_to(service_dir).as_posix()
    definitions = _module_definitions(tree)
    entry = definitions.get(function)
    if entry is None:
        return None
    reader = _PythonReader(tree, definitions, path, service_dir, display)
    reader.visit_from(entry)
    return HandlerFacts(
        SourceLocation(display, entry.lineno, entry.col_offset + 1),
        "python",
        True if reader.names_allow_origin else (None if reader.unknown else False),
        reader.helper,
        reader.cors_headers,
        reader.star_with_credentials,
        reader.origin_reads,
    )


def _module_definitions(tree: ast.Module) -> dict[str, ast.stmt]:
    """Module-level names -> the statement that defines them."""
    found: dict[str, ast.stmt] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[statement.name] = statement
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = statement
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            found[statement.target.id] = statement
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            for alias in statement.names:
                found[(alias.asname or alias.name).split(".")[0]] = statement
    return found


def _imported_modules(statement: ast.Import | ast.ImportFrom) -> list[str]:
    """`from a.b import c` -> [`a.b`]; `import a, b.c` -> [`a`, `b.c`]."""
    if isinstance(statement, ast.ImportFrom):
        return [statement.module or ""]
    return [alias.name for alias in statement.names]


class _PythonReader:
    """Walks what a handler reaches and collects the CORS facts."""

    def __init__(
        self,
        tree: ast.Module,
        definitions: dict[str, ast.stmt],
        path: Path,
        service_dir: Path,
        display: str,
    ) -> None:
        self.tree = tree
        self.definitions = definitions
        self.path = path
        self.service_dir = service_dir
        self.display = display
        self.seen: set[int] = set()
        self.names_allow_origin = False
        self.unknown = False
        self.helper: str | None = None
        self.cors_headers: list[tuple[SourceLocation, str]] = []
        self.star_with_credentials: list[SourceLocation] = []
        self.origin_reads: list[SourceLocation] = []
        self.reads_other_spelling = False

    def at(self, node: ast.AST) -> SourceLocation:
        return SourceLocation(
            self.display, getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1
        )

    def visit_from(self, entry: ast.stmt) -> None:
        pending: list[ast.stmt] = [entry]
        # Module-level statements run on import: a middleware added there applies.
        pending += [s for s in self.tree.body if isinstance(s, ast.Expr)]
        if isinstance(entry, ast.Assign):
            self.unknown = True  # `handler = Mangum(app)`, `handler = app.resolve`, ...
        while pending:
            statement = pending.pop()
            if id(statement) in self.seen:
                continue
            self.seen.add(id(statement))
            if isinstance(statement, ast.Import | ast.ImportFrom):
                self._import(statement)
                continue
            for node in ast.walk(statement):
                self._node(node)
                if isinstance(node, ast.Name | ast.Attribute):
                    name = node.id if isinstance(node, ast.Name) else None
                    if name and name in self.definitions:
                        pending.append(self.definitions[name])
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                self._returns(statement)
        if self.origin_reads and self.reads_other_spelling:
            self.origin_reads = []

    def _node(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lowered = node.value.lower()
            if lowered == ALLOW_ORIGIN:
                self.names_allow_origin = True
            if lowered.startswith("access-control-"):
                self.cors_headers.append((self.at(node), node.value))
            if node.value == "Origin":
                self.reads_other_spelling = True
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if _CORS_NAME.search(name) and self.helper is None:
                self.helper = name
            if name == "lower":
                self.reads_other_spelling = True
        elif isinstance(node, ast.Dict):
            self._dict(node)
        elif isinstance(node, ast.Subscript | ast.Call):
            self._origin_read(node)

    def _dict(self, node: ast.Dict) -> None:
        values: dict[str, ast.expr] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                values[key.value.lower()] = value
        origin = values.get(ALLOW_ORIGIN)
        credentials = values.get(ALLOW_CREDENTIALS)
        if (
            isinstance(origin, ast.Constant)
            and origin.value == "*"
            and isinstance(credentials, ast.Constant)
            and (credentials.value is True or credentials.value == "true")
        ):
            key_node = node.keys[list(values).index(ALLOW_CREDENTIALS)]
            self.star_with_credentials.append(self.at(key_node or node))

    def _origin_read(self, node: ast.Subscript | ast.Call) -> None:
        """`event["headers"]["origin"]`, `headers.get("origin")`: one spelling of the name."""
        if isinstance(node, ast.Subscript):
            key, container = node.slice, node.value
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            key, container = node.args[0], node.func.value
        else:
            return
        if (
            isinstance(key, ast.Constant)
            and key.value == "origin"
            and "headers" in ast.unparse(container)
        ):
            self.origin_reads.append(self.at(node))

    def _returns(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A return value built by code corsway cannot read makes the answer unknown."""
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
        for node in ast.walk(function):
            if isinstance(node, ast.Return) and node.value is not None:
                values = (
                    assigned.get(node.value.id, [])
                    if isinstance(node.value, ast.Name)
                    else [node.value]
                )
                if any(self._opaque(value) for value in values):
                    self.unknown = True

    def _opaque(self, value: ast.expr) -> bool:
        if not isinstance(value, ast.Call):
            return False
        root = value.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return True
        statement = self.definitions.get(root.id)
        if statement is None:
            return not hasattr(builtins, root.id)
        if isinstance(statement, ast.Import | ast.ImportFrom):
            return not self._local_or_stdlib(statement)
        return False

    def _local_or_stdlib(self, statement: ast.Import | ast.ImportFrom) -> bool:
        modules = _imported_modules(statement)
        if isinstance(statement, ast.ImportFrom) and statement.level:
            return True
        return all(
            module.split(".")[0] in sys.stdlib_module_names or self._local_module(module)
            for module in modules
        )

    def _local_module(self, module: str) -> Path | None:
        base = self.service_dir / module.replace(".", "/")
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def _import(self, statement: ast.Import | ast.ImportFrom) -> None:
        """A local module the handler uses is read whole (any mention counts)."""
        modules = _imported_modules(statement)
        for alias in statement.names:
            if _CORS_NAME.search(alias.name) and self.helper is None:
                self.helper = alias.name
        for module in modules:
            if _CORS_NAME.search(module) and self.helper is None:
                self.helper = module
            local = self._local_module(module)
            if local is None or local == self.path:
                continue
            tree = _parsed(local)
            if tree is None:
                continue
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and node.value.lower() == ALLOW_ORIGIN
                ):
                    self.names_allow_origin = True
                elif isinstance(node, ast.Name) and _CORS_NAME.search(node.id):
                    self.helper = self.helper or node.id


# --- Node.js --------------------------------------------------------------------------------


def _node(service_dir: Path, handler: str) -> HandlerFacts | None:
    if ".." in handler:
        return None
    last = handler.rstrip("/").rsplit("/", 1)[-1]
    root = handler[: len(handler.rstrip("/")) - len(last)]
    module, dot, export = last.partition(".")
    if not dot or not module:
        return None
    base = service_dir / root / module
    for candidate in (base, *(Path(f"{base}{ext}") for ext in (".js", ".mjs", ".cjs"))):
        if candidate.is_file():
            return _node_file(candidate, service_dir, export.split(".")[0])
    return None


def _export_offset(source: JsSource, export: str) -> int:
    """Where the handler `export` is defined (0 when it cannot be found)."""
    name = re.escape(export)
    for pattern in (
        rf"\bexports\s*\.\s*{name}\s*=",
        rf"\bexport\s+(?:async\s+)?(?:function\*?|const|let|var)\s+{name}\b",
        rf"\b(?:async\s+)?function\s+{name}\s*\(",
        rf"\b(?:const|let|var)\s+{name}\s*=",
    ):
        match = re.search(pattern, source.code)
        if match:
            return match.start()
    return 0


def _position(location: SourceLocation) -> tuple[str, int, int]:
    return (location.file, location.line, location.column)


def _node_file(path: Path, service_dir: Path, export: str) -> HandlerFacts | None:
    path, root = path.resolve(), service_dir.resolve()
    source = JsSource.read(path)
    if source is None:
        return None
    display = path.relative_to(root).as_posix()
    where = source.location(display, _export_offset(source, export))
    facts = HandlerFacts(where, "node", False)
    for file, text in _node_closure(path, source):
        shown = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name
        _node_facts(text, shown, facts, first=file == path)
    facts.star_with_credentials = sorted(set(facts.star_with_credentials), key=_position)
    if facts.origin_reads and _NODE_ORIGIN_OTHER.search(source.code_with_strings):
        facts.origin_reads = []
    return facts


def _node_closure(path: Path, source: JsSource) -> list[tuple[Path, JsSource]]:
    """The file and the local files it requires, transitively (at most `_MAX_NODE_FILES`)."""
    found = [(path, source)]
    seen = {path.resolve()}
    index = 0
    while index < len(found) and len(found) < _MAX_NODE_FILES:
        current_path, current = found[index]
        index += 1
        for match in _NODE_REQUIRE.finditer(current.code_with_strings):
            target = match.group(2)
            if not target.startswith("."):
                continue
            base = (current_path.parent / target).resolve()
            for candidate in (base, *(Path(f"{base}{ext}") for ext in (".js", ".mjs", ".cjs"))):
                if candidate.is_file():
                    loaded = JsSource.read(candidate) if candidate not in seen else None
                    seen.add(candidate)
                    if loaded is not None:
                        found.append((candidate, loaded))
                    break
    return found


def _node_facts(source: JsSource, display: str, facts: HandlerFacts, *, first: bool) -> None:
    text = source.code_with_strings
    if ALLOW_ORIGIN in text.lower():
        facts.sets_allow_origin = True
    helper = _NODE_CORS_HELPER.search(source.code_with_strings)
    if helper and facts.cors_helper is None:
        facts.cors_helper = helper.group(0).strip("( '\"")
    for match in _NODE_REQUIRE.finditer(text):
        if match.group(2) in _NODE_ADAPTERS and facts.sets_allow_origin is False:
            facts.sets_allow_origin = None
    for match in _NODE_CORS_HEADER.finditer(text):
        facts.cors_headers.append((source.location(display, match.start(2)), match.group(2)))
    spans = source.object_literals()
    star_objects = {_innermost(spans, m.start()) for m in _NODE_STAR_ORIGIN.finditer(text)}
    for match in _NODE_TRUE_CREDENTIALS.finditer(text):
        if _innermost(spans, match.start()) in star_objects - {None}:
            facts.star_with_credentials.append(source.location(display, match.start()))
    if first:
        for match in _NODE_ORIGIN_READ.finditer(source.code):
            facts.origin_reads.append(source.location(display, match.start()))


def _innermost(spans: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    """The smallest `{...}` around `offset`."""
    inside = [span for span in spans if span[0] < offset < span[1]]
    return min(inside, key=lambda span: span[1] - span[0]) if inside else None
