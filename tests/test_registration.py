"""Registration as data: every button the product builds has a handler, every dialog flow a step handler."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import FEATURES, RENDERERS, build_router
from core import outbox
from core.cases import actions
from core.cases.texts import CARD_ACTIONS
from handlers.router import merged

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ("bot", "core", "handlers", "scheduler", "storage")

# Button actions computed from a local variable: the values the expression can take.
COMPUTED = {
    "CARD_ACTIONS[a][0]": {name for name, _ in CARD_ACTIONS.values()},
    # A keyboard builder's parameter (booking's taken_screen, stats' choice_keyboard): its callers pass
    # one of their module's named actions, which are checked where those are built.
    "action": set(),
    # queue_reports' parameter: its callers' kinds are checked where they call it (`_is_enqueue`).
    "kind": set(),
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _built_actions() -> dict[str, set[str]]:
    """Every action string passed to a Button(...) anywhere in production code, by where it is built."""
    return _scan(_is_button, "action", 1)


def _queued_kinds() -> dict[str, set[str]]:
    """Every outbox kind passed to an enqueue(...) anywhere in production code, by where it is queued."""
    return _scan(_is_enqueue, "kind", None)


def _is_enqueue(func: ast.expr) -> bool:
    """outbox.enqueue(...), or the scheduler's queue_reports(...) that enqueues the kind it is given."""
    if isinstance(func, ast.Name):
        return func.id == "queue_reports"
    return isinstance(func, ast.Attribute) and func.attr == "enqueue" and ast.unparse(func.value) == "outbox"


def _scan(matches: Callable[[ast.expr], bool], keyword: str, position: int | None) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and matches(n.func)]
            if not calls:
                continue
            module = importlib.import_module(_module_name(path))
            for call in calls:
                given = position is not None and len(call.args) > position
                expr = call.args[position] if given and position is not None else _keyword(call, keyword)
                if expr is None:
                    continue
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                found[where] = _values(expr, vars(module), where)
    return found


def _is_button(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "Button") or (
        isinstance(func, ast.Attribute) and func.attr == "Button"
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _values(expr: ast.expr, namespace: dict[str, object], where: str) -> set[str]:
    source = ast.unparse(expr)
    if source in COMPUTED:
        return COMPUTED[source]
    if isinstance(expr, ast.IfExp):
        return _values(expr.body, namespace, where) | _values(expr.orelse, namespace, where)
    try:
        value = _constant(expr, namespace)  # module constants such as ACTION_AREAS, info.DONE
    except (KeyError, AttributeError, TypeError):
        return {f"<unknown {source}>"}
    assert isinstance(value, str), f"{where}: {source!r} is not a string"
    return {value}


def _constant(expr: ast.expr, namespace: dict[str, object]) -> object:
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Name):
        return namespace[expr.id]
    if isinstance(expr, ast.Attribute):
        return getattr(_constant(expr.value, namespace), expr.attr)
    raise TypeError(ast.unparse(expr))


def test_every_button_built_anywhere_has_a_handler() -> None:
    actions = build_router().actions
    built = _built_actions()
    assert len(built) > 50  # the scan sees the product's buttons
    missing = {where: sorted(names - actions.keys()) for where, names in built.items() if names - actions.keys()}
    assert missing == {}


def test_every_outbox_kind_queued_anywhere_has_a_renderer() -> None:
    queued = _queued_kinds()
    assert len(queued) > 10  # the scan sees the product's outbox rows
    missing = {where: sorted(kinds - RENDERERS.keys()) for where, kinds in queued.items() if kinds - RENDERERS.keys()}
    assert missing == {}


def test_every_feature_exports_its_tables_and_nothing_registers_on_import() -> None:
    for feature in FEATURES:
        assert isinstance(feature.ACTIONS, dict) and isinstance(feature.FLOWS, dict), feature.__name__
    for path in (ROOT / "handlers").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "@action(" not in text and "@flow(" not in text, path
    for package in PRODUCTION:
        for path in (ROOT / package).rglob("*.py"):
            assert "@renderer(" not in path.read_text(encoding="utf-8"), path


def test_a_name_handled_twice_is_refused() -> None:
    async def handler() -> None: ...

    with pytest.raises(ValueError, match="handled twice"):
        merged({"case_accept": handler}, {"case_accept": handler})
    with pytest.raises(ValueError, match="rendered twice"):
        outbox.merged(RENDERERS, {"case_card": RENDERERS["case_card"]})


def test_the_case_actions_are_spelled_only_where_they_are_named() -> None:
    """core/cases/actions.py names every button action of a case; nothing else spells one out
    (a dialog flow may share a spelling: its name lives in another table)."""
    names = {value for key, value in vars(actions).items() if key.isupper() and isinstance(value, str)}
    assert {"case_accept", "case_timeline", "case_closed"} <= names
    assert names <= build_router().actions.keys()
    spelled = []
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "core" / "cases" / "actions.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            flows = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign) and _names_a_flow(n)}
            spelled += [
                f"{path.relative_to(ROOT)}:{n.lineno} {n.value}"
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and n.value in names and id(n) not in flows
            ]
    assert spelled == []


def _names_a_flow(node: ast.Assign) -> bool:
    return any(isinstance(t, ast.Name) and t.id == "FLOW" for t in node.targets)
