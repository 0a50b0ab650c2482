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


# --- rooms that own their data (issue 25) ---

STORE_MAY_NOT_IMPORT = ("kpolicy.extract", "kpolicy.query", "kpolicy.search", "kpolicy.curate", "kpolicy.ingest",
                        "kpolicy.views", *FACES)
# the authority room (actors and places: who is this name, at this date) sits below the store and extraction
AUTHORITY_MAY_NOT_IMPORT = ("kpolicy.store", *STORE_MAY_NOT_IMPORT)
# where the no-private-names rule is not yet enforced: none (the extraction stages' borrowed
# helpers moved to public names with the split of issue 25 items 3-4)
PRIVATE_NAMES_PENDING: tuple[str, ...] = ()
TOOLS = PACKAGE.parent / "tools"


def test_the_store_imports_nothing_from_extraction_queries_curation_or_the_faces():
    for name, path in MODULES.items():
        if not name.startswith("kpolicy.store"):
            continue
        above = {dep for dep in _imports(path, module_level_only=False) if dep.startswith(STORE_MAY_NOT_IMPORT)}
        assert not above, f"{name} imports {sorted(above)}: the store depends only on the rooms below it"


def test_the_authority_room_imports_nothing_of_the_store_extraction_or_later():
    for name, path in MODULES.items():
        if not name.startswith("kpolicy.authority"):
            continue
        above = {dep for dep in _imports(path, module_level_only=False) if dep.startswith(AUTHORITY_MAY_NOT_IMPORT)}
        assert not above, f"{name} imports {sorted(above)}: the authority room sits below the store and extraction"


def _private_imports(path: Path, own: str) -> list[str]:
    """`from kpolicy.x import _name` and `kpolicy.x._name` / `alias._name` where kpolicy.x is another module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("kpolicy"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if target in MODULES:  # `from kpolicy.store import write`: a module, bound to a name
                    aliases[alias.asname or alias.name] = target
                elif alias.name.startswith("_") and not alias.name.startswith("__") and _resolve(node.module) != own:
                    found.append(f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("kpolicy") and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, (ast.Name, ast.Attribute))):
            base = ast.unparse(node.value)
            module = aliases.get(base, base if base in MODULES else None)
            if module and module != own:
                found.append(f"{base}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_name():
    offenders = {}
    for name, path in MODULES.items():
        if name.startswith(PRIVATE_NAMES_PENDING):
            continue
        found = _private_imports(path, name)
        if found:
            offenders[name] = found
    for path in TOOLS.rglob("*.py"):
        module = ".".join(path.relative_to(TOOLS.parent).with_suffix("").parts)
        found = _private_imports(path, module)
        if found:
            offenders[str(path.relative_to(TOOLS.parent))] = found
    assert not offenders, f"private names used across modules (give them a public name where both can use it): {offenders}"


def test_the_private_name_finder_finds_them():
    import textwrap

    sample = PACKAGE.parent / "tests" / "_layout_sample.py"
    try:
        sample.write_text(textwrap.dedent("""
            from kpolicy.dates import _ORD_SHIFT, parse_edtf
            from kpolicy.store import write
            import kpolicy.store.db as dbmod
            write._private()
            dbmod._translate
            kpolicy.dates.__name__
        """), encoding="utf-8")
        assert sorted(_private_imports(sample, "tests._layout_sample")) == [
            "dbmod._translate", "from kpolicy.dates import _ORD_SHIFT", "write._private"]
    finally:
        sample.unlink()
