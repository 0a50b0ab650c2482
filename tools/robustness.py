"""docs/robustness.md's table of issue 24's rough edges, counted from the suite (through cog).

    cog -r -I . docs/robustness.md      # rewrite the table from the tests as they are
    python -m tools.robustness          # print it

A test belongs to an item when the item is named where the test is: the `# ---- item N:`
section header above it (in the rough-edges files, tests/test_rough_edges*.py; elsewhere the
header must say "issue 24"), its own docstring or comments ("issue 24, item N"), or its
module's docstring. The count is of the runs pytest collects on SQLite (parametrised cases
each count); on PostgreSQL, tests taking a `db` run once more.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
ISSUE = 24
_ITEMS = r"items? (\d+(?:(?:,\s*|\s+and\s+)\d+)*)"
_NAMED = re.compile(rf"[Ii]ssue {ISSUE},?\s+{_ITEMS}")
_HEADER = re.compile(rf"^# ---- (.*?{_ITEMS}.*?)[\s-]*$")


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _items_by_test(path: Path) -> dict[str, set[int]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    rough = path.name.startswith("test_rough_edges")
    tree = ast.parse(source)
    module_items = set()
    doc = ast.get_docstring(tree) or ""
    if not rough:
        for m in _NAMED.finditer(doc):
            module_items |= set(_numbers(m.group(1)))
    headers: list[tuple[int, set[int]]] = []  # (line, items) of each section header
    for number, line in enumerate(lines, 1):
        m = _HEADER.match(line)
        if m and (rough or f"issue {ISSUE}" in line.lower()):
            headers.append((number, set(_numbers(m.group(2)))))
        elif line.startswith("# ---- "):
            headers.append((number, set()))
    found: dict[str, set[int]] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.name.startswith("test_"):
            continue
        items = set(module_items)
        above = [h for h in headers if h[0] < node.lineno]
        if above:
            items |= above[-1][1]
        body = "\n".join(lines[node.lineno - 1:node.end_lineno])
        for m in _NAMED.finditer(body):
            items |= set(_numbers(m.group(1)))
        if items:
            found[node.name] = items
    return found


def _collected(paths: list[Path]) -> dict[tuple[str, str], int]:
    """(file name, test function) -> runs collected, on SQLite."""
    env = {k: v for k, v in __import__("os").environ.items() if k != "KPOLICY_TEST_POSTGRES_URL"}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *map(str, paths)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for line in done.stdout.splitlines():
        m = re.match(r"tests/([^:]+)::(test_\w+)", line)
        if m:
            counts[(m.group(1), m.group(2))] += 1
    return counts


def rows() -> list[tuple[int, int, list[str]]]:
    """(item, runs, files) for every item some test names, in item order."""
    by_file = {p: _items_by_test(p) for p in sorted(TESTS.glob("test_*.py"))}
    by_file = {p: found for p, found in by_file.items() if found}
    counts = _collected(list(by_file))
    runs: dict[int, int] = defaultdict(int)
    files: dict[int, set[str]] = defaultdict(set)
    for path, found in by_file.items():
        for test, items in found.items():
            for item in items:
                runs[item] += counts.get((path.name, test), 0)
                files[item].add(path.name)
    return [(item, runs[item], sorted(files[item])) for item in sorted(runs)]


def table() -> str:
    out = ["| Item of issue 24 | Test runs (SQLite) | In |", "|---|---|---|"]
    for item, count, names in rows():
        out.append(f"| {item} | {count} | {', '.join(f'`tests/{n}`' for n in names)} |")
    return "\n".join(out) + "\n"


def emit() -> None:
    import cog  # provided by cogapp while it runs docs/robustness.md's generator

    cog.out(table())


if __name__ == "__main__":
    print(table(), end="")
