"""The README documents every command with an example, and its set-up commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from kpolicy.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"

pytestmark = pytest.mark.skipif(not README.exists(), reason="README.md is not beside the tests")


def test_every_command_has_a_readme_section_with_an_example():
    text = README.read_text(encoding="utf-8")
    headings = " ".join(re.findall(r"^### (.+)$", text, flags=re.M))
    for name in get_command(app).commands:
        assert f"`kpolicy {name}`" in headings, f"README has no section for kpolicy {name}"
        assert re.search(rf"^\$ kpolicy {name}\b", text, flags=re.M), f"README has no example of kpolicy {name}"


def test_readme_has_exactly_the_two_set_up_commands_and_ci_runs_the_test_one():
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in setup.splitlines() if line.startswith("    ")]
    assert len(commands) == 2
    assert commands[0].endswith("kpolicy timeline")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
