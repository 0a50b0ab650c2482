"""YAML for files kpolicy did not write: annotation files and article front matter.

`load(text, where)` is `yaml.safe_load` with budgets: aliases ('billion laughs') that would
expand the document past MAX_NODES nodes, or more than MAX_ALIASES alias references, and
nesting deeper than MAX_DEPTH are refused with one line (BadInput) before anything is built,
instead of running for a minute and gigabytes. Syntax errors stay yaml.YAMLError, for the
caller to place (line and column) in its own message.
"""

from __future__ import annotations

from kpolicy.errors import BadInput

MAX_ALIASES = 100
MAX_NODES = 100_000
MAX_DEPTH = 100


def _refuse(where: str, what: str) -> BadInput:
    return BadInput(f"{where}: {what}; write the values out instead of repeating them with YAML anchors and aliases")


def _check(root, where: str) -> None:
    """Expanded size of the composed node graph (an alias counts as all it stands for), in
    linear time over the distinct nodes; cycles and deep nesting are refused."""
    import yaml

    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            visiting.discard(key)
            children = _children(node)
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > MAX_NODES:
                raise _refuse(where, f"the YAML expands to more than {MAX_NODES:,} values")
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in visiting:
            raise _refuse(where, "the YAML refers to itself (a recursive alias)")
        if depth > MAX_DEPTH:
            raise BadInput(f"{where}: the YAML is nested more than {MAX_DEPTH} levels deep; flatten it")
        visiting.add(key)
        stack.append((node, depth, True))
        if not isinstance(node, yaml.ScalarNode):
            for child in _children(node):
                stack.append((child, depth + 1, False))


def _children(node) -> list:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load(text: str, where: str):
    """The document in `text`, as yaml.safe_load gives it, within the budgets above."""
    import yaml

    class _Loader(yaml.SafeLoader):
        aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise _refuse(where, f"the YAML uses more than {MAX_ALIASES} aliases (*name)")
            return super().compose_node(parent, index)

        def construct_yaml_timestamp(self, node):
            # `date: 2020-02-30` matches YAML's timestamp pattern but is no day: PyYAML raises a bare
            # ValueError. Kept as the text it is, the field's own check names the problem and the fix.
            try:
                return super().construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return self.construct_scalar(node)

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise BadInput(f"{where}: the YAML is nested too deeply; flatten it") from None
        if node is None:
            return None
        _check(node, where)
        return loader.construct_document(node)
    finally:
        loader.dispose()
