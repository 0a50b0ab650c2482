"""The package's layout rules, read from the source: no import cycles, and the data flows one way.

article -> text -> extraction (kpolicy.extract: pure, no database) -> store -> query ->
views and faces (kpolicy.cli, kpolicy.web). A face may import the library; the library
never imports a face; extraction imports nothing of the store or later stages.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kpolicy"
FACES = ("kpolicy.cli", "kpolicy.web", "kpolicy.__main__")
LATER_THAN_EXTRACTION = ("kpolicy.store", "kpolicy.query", "kpolicy.search", "kpolicy.views", "kpolicy.curate",
                         "kpolicy.ingest", *FACES)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The kpolicy module an import names (a package's submodule when `from pkg import sub`)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path, module_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # `if TYPE_CHECKING:` blocks import nothing at run time
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:
        nodes += [child for n in nodes if isinstance(n, ast.Try) for child in n.body + [h for x in n.handlers for h in x.body]]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("kpolicy"):
                resolved = _resolve(name)
                if resolved:
                    found.add(resolved)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == node:
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycles_at_import_time():
    graph = {name: _imports(path, module_level_only=True) - {name} for name, path in MODULES.items()}
    # a package imports its own submodules to register them (kpolicy.cli); the submodules
    # importing a sibling is no cycle, so edges into the package itself do not count
    graph = {name: {dep for dep in deps if not name.startswith(dep + ".")} for name, deps in graph.items()}
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_library_module_imports_a_face():
    for name, path in MODULES.items():
        if name.startswith(FACES):
            continue
        faces = {dep for dep in _imports(path, module_level_only=False) if dep.startswith(FACES)}
        assert not faces, f"{name} imports {sorted(faces)}: the library never imports the CLI or the web app"


def test_extraction_imports_nothing_of_the_store_or_later_stages():
    for name, path in MODULES.items():
        if not name.startswith("kpolicy.extract"):
            continue
        later = {dep for dep in _imports(path, module_level_only=False) if dep.startswith(LATER_THAN_EXTRACTION)}
        assert not later, f"{name} imports {sorted(later)}: extraction is pure (no database, no views)"


def test_no_import_cycles_even_through_deferred_imports():
    """Imports inside functions (kept there for start-up time) must not loop back either:
    a deferred cycle (db.py <-> seed.py before the layout) is a tangle, only hidden."""
    graph = {name: _imports(path, module_level_only=False) - {name} for name, path in MODULES.items()}
    graph = {name: {dep for dep in deps if not name.startswith(dep + ".")} for name, deps in graph.items()}
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"


# The private-name rule is checked under these packages; `authority` widens it to all of kpolicy
# once the cases outside extraction (store, curate, web) have moved to public names.
PRIVATE_NAME_RULE = ("kpolicy.extract",)


def _borrowed_private_names(name: str, path: Path) -> list[str]:
    """`from kpolicy.x import _y`, and `m._y` where `m` is a kpolicy module imported here: a module
    using another module's private name (its own package's names included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to kpolicy modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("kpolicy"):
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    modules.add(alias.asname or alias.name)
                elif alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("kpolicy") and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                and isinstance(node.value, ast.Name) and node.value.id in modules:
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_name():
    borrowed = {name: _borrowed_private_names(name, path) for name, path in MODULES.items() if name.startswith(PRIVATE_NAME_RULE)}
    borrowed = {name: found for name, found in borrowed.items() if found}
    assert not borrowed, f"private names used across modules (give the helper a public name where both can use it): {borrowed}"


def test_the_private_name_check_sees_both_forms(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("from kpolicy.extract.plain import _where\nfrom kpolicy.extract import temporal\nx = temporal._Context\n"
                 "from kpolicy.extract.temporal import find_time_expressions\nfrom __future__ import annotations\n", encoding="utf-8")
    assert _borrowed_private_names("m", p) == ["from kpolicy.extract.plain import _where", "temporal._Context"]
