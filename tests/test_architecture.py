"""The layers of ARCHITECTURE.md ("Layers"), checked on the source: every import, at any depth.

handlers/ talk to core/ only (never storage/), core/ never imports telegram (nor anything above
it), storage/ never imports handlers/, scheduler/ or bot/. scheduler/ may read storage/: it claims
due work from the database.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the top-level packages none of its modules may import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "handlers": ("storage",),
    "core": ("telegram", "handlers", "scheduler", "bot"),
    "storage": ("handlers", "scheduler", "bot"),
}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything the module imports, anywhere in it (functions included).

    `from a import b` yields both "a" and "a.b" (b may be a module); relative imports are resolved;
    `importlib.import_module("x")` and `__import__("x")` with a literal name count too.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # "from . import x" is relative to the package, each further dot one up
                parts = package.split(".") if package else []
                base = parts[: len(parts) - node.level + 1] + ([node.module] if node.module else [])
                base_name = ".".join(base)
            else:
                base_name = node.module or ""
            if base_name:
                yield node.lineno, base_name
            for alias in node.names:
                yield node.lineno, f"{base_name}.{alias.name}" if base_name else alias.name
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _violations(package: str) -> list[str]:
    """One "path:line imports name" for each import statement that crosses a layer the wrong way."""
    found: dict[tuple[str, int], str] = {}
    for path in _modules(package):
        where = str(path.relative_to(ROOT))
        for line, target in _imported(path):
            crosses = any(target == banned or target.startswith(banned + ".") for banned in FORBIDDEN[package])
            if crosses and len(target) > len(found.get((where, line), "")):
                found[where, line] = target
    return [f"{where}:{line} imports {target}" for (where, line), target in sorted(found.items())]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    assert _modules(package), f"no modules found under {package}/"
    violations = _violations(package)
    assert not violations, f"{package}/ may not import {', '.join(FORBIDDEN[package])}:\n" + "\n".join(violations)


def test_the_check_sees_every_kind_of_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walker finds imports inside functions, relative ones and dynamic ones."""
    source = (
        "import storage.people\n"
        "from storage import areas\n"
        "from .. import storage\n"
        "from ..storage.cases import get\n"
        "def f():\n"
        "    from storage import dialogs\n"
        "    import importlib\n"
        "    importlib.import_module('storage.stats')\n"
        "from core import cases\n"
        "from . import render\n"
    )
    module = tmp_path / "handlers" / "sample.py"
    module.parent.mkdir()
    module.write_text(source, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    lines = sorted({line for line, target in _imported(module) if target.split(".")[0] == "storage"})
    assert lines == [1, 2, 3, 4, 6, 8]
    assert len(_violations("handlers")) == 6


# Import cycles still to be broken (each must disappear, not grow). None left: the follow-ups
# build on the ledger's lower modules, and working a case schedules them from above.
KNOWN_CYCLES: list[list[str]] = []
CYCLE_PACKAGES = ("bot", "core", "handlers", "scheduler", "storage", "sandbox")


def _type_checking_only(path: Path) -> set[int]:
    """Lines inside `if TYPE_CHECKING:` blocks: imports for annotations, never run."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for package in CYCLE_PACKAGES for p in _modules(package)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        skipped = _type_checking_only(path)
        graph[name] = {t for line, t in _imported(path) if t in paths and t != name and line not in skipped}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_cycles_even_through_imports_inside_functions() -> None:
    assert _cycles(_import_graph()) == KNOWN_CYCLES


def test_the_cycle_check_sees_imports_inside_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "first.py").write_text("def later():\n    from core import second\n", encoding="utf-8")
    (tmp_path / "core" / "second.py").write_text("import core.first\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert _cycles(_import_graph()) == [["core.first", "core.second"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


OUR_PACKAGES = ("bot", "core", "handlers", "storage", "scheduler", "sandbox")


def _renaming_imports(path: Path, root: Path = ROOT) -> Iterator[str]:
    """`import a.b as c` and `from a import b as c` where a module of ours gets another name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [(alias.name, alias) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [(f"{node.module}.{alias.name}", alias) for alias in node.names]
        else:
            continue
        for dotted, alias in names:
            ours = dotted.split(".")[0] in OUR_PACKAGES
            if ours and alias.asname and alias.asname != dotted.rpartition(".")[2]:
                yield f"{path.relative_to(root)}:{node.lineno}: {dotted} as {alias.asname}"


def test_no_import_alias_renames_a_module_of_ours() -> None:
    found = [line for package in OUR_PACKAGES for path in _modules(package) for line in _renaming_imports(path)]
    assert found == []


def test_the_alias_check_sees_both_forms(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import storage.cases as repo\nfrom core.cases import desk as d\nfrom core import cases\n")
    found = [line.split(": ")[1] for line in _renaming_imports(module, tmp_path)]
    assert found == ["storage.cases as repo", "core.cases.desk as d"]


def _imports_of_test_modules(root: Path) -> list[str]:
    """`path:line imports name` for each module under tests/ that imports a test_* module.

    Helpers that tests share live in tests/helpers/ or in the folder's own helper modules.
    """
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        for line, target in _imported(path):
            if target.startswith("tests.") and target.rpartition(".")[2].startswith("test_"):
                found.append(f"{path.relative_to(root)}:{line} imports {target}")
    return found


def test_no_test_module_imports_another_test_module() -> None:
    assert _imports_of_test_modules(ROOT) == []


def test_the_test_import_check_sees_both_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tests" / "cards").mkdir(parents=True)
    module = tmp_path / "tests" / "cards" / "test_new.py"
    module.write_text(
        "from tests.cards.test_scan import scan_and_onboard\n"
        "import tests.bot.test_refusals\n"
        "from tests.helpers import resident\n"
        "from tests.cards import helpers\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert _imports_of_test_modules(tmp_path) == [
        "tests/cards/test_new.py:1 imports tests.cards.test_scan",
        "tests/cards/test_new.py:2 imports tests.bot.test_refusals",
    ]


def test_every_test_database_is_built_by_the_migrations() -> None:
    """One set-up for every folder: the migrated template of tests/conftest.py, never the table definitions."""
    found = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name != "test_architecture.py" and "metadata.create_all" in path.read_text(encoding="utf-8")
    ]
    assert found == []


def _connection_uses(path: Path) -> Iterator[int]:
    """Lines where a function does something with a parameter typed AsyncConnection (an attribute, a call)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
        names = {a.arg for a in arguments if a.annotation and "AsyncConnection" in ast.unparse(a.annotation)}
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names:
                yield node.lineno


def test_core_passes_the_transaction_on_and_does_nothing_else_with_sqlalchemy() -> None:
    """core/ takes the AsyncConnection its caller opened and hands it to storage/ unopened (see
    docs/architecture.md, "Layers"): no other SQLAlchemy import, no attribute or method of it used."""
    allowed = {"sqlalchemy.ext.asyncio", "sqlalchemy.ext.asyncio.AsyncConnection"}
    imports = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in _modules("core")
        for line, target in _imported(path)
        if target.split(".")[0] == "sqlalchemy" and target not in allowed
    ]
    assert imports == []
    uses = [f"{path.relative_to(ROOT)}:{line}" for path in _modules("core") for line in _connection_uses(path)]
    assert uses == []
