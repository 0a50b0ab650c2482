"""The README's command examples, produced by running the real commands (through cog).

    cog -r README.md        # rewrite every example from the commands' real output
    cog --check README.md   # what CI runs (tests/test_docs.py): fails when an example drifted

Each example block in README.md is a cog generator calling `console("kpolicy ...")`.
The commands run in one scratch folder, in README order, against a database seeded
there first (KPOLICY_DB points at it), through bash with this interpreter's `kpolicy`
first on PATH; stdout and stderr are shown together, as a terminal shows them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

# the article the README's extract/ingest examples read (written for the README, not third-party text)
HANOI = """---
title: Hanoi talks collapse without a deal
published: 2019-03-04
---
The second summit between Kim Jong-un and Donald Trump ended early in Hanoi on 28 February 2019 without a joint statement.

North Korea will hold a plenary meeting of the WPK Central Committee next month, state media said on Monday.
"""

# the spreadsheet the README's import example reads (written for the README)
DESK = """When,Event,Who,Kind,Link
3 Dec 2024,Martial law declared in South Korea,South Korea,policy change,https://example.org/a
c. 2019,Missile base expanded,North Korea,other,
28 Feb 2019,Hanoi summit ends early,Kim Jong-un; Donald Trump,summit,https://example.org/b
Q3 2021,Yongbyon reactor restarted,North Korea; Yongbyon Nuclear Complex,other,
someday,Talks resume,North Korea,talks,
"""

_sandbox: Path | None = None


def _env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPOLICY_", "COLUMNS", "LINES"))}
    env["KPOLICY_DB"] = str(folder / "kpolicy.db")
    env["KPOLICY_USER"] = "analyst"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(folder)
    env["TZ"] = "UTC"
    env["KPOLICY_CLOCK"] = "2026-12-01T09:00:00"  # changes recorded at a fixed time: the examples stay stable
    return env


def sandbox() -> Path:
    """The scratch folder, made once per run: a seeded database and the README's files."""
    global _sandbox
    if _sandbox is None:
        _sandbox = Path(tempfile.mkdtemp(prefix="kpolicy-readme-"))
        (_sandbox / "hanoi.md").write_text(HANOI, encoding="utf-8")
        (_sandbox / "desk.csv").write_text(DESK, encoding="utf-8")
        import shutil  # the repository's example folder (our own texts), as a user of a checkout has it

        shutil.copytree(Path(__file__).resolve().parent.parent / "examples", _sandbox / "examples")
        subprocess.run(["kpolicy", "init", "--seed"], cwd=_sandbox, env=_env(_sandbox), check=True, capture_output=True)
    return _sandbox


def output(command: str) -> str:
    """What `command` prints (stdout and stderr interleaved), run in the sandbox."""
    folder = sandbox()
    done = subprocess.run(["bash", "-c", command], cwd=folder, env=_env(folder), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)
    return done.stdout.replace(str(folder) + os.sep, "")


def console(*commands: str) -> None:
    """Emit one ```console block: each command after `$ `, then its output."""
    import cog  # provided by cogapp while it runs this file's generators

    cog.outl("```console")
    for command in commands:
        cog.outl(f"$ {command}")
        text = output(command)
        cog.out(text if text.endswith("\n") or not text else text + "\n")
    cog.outl("```")


def command_paths() -> list[str]:
    """Every command and subcommand, as `kpolicy NAME [SUB]`, in the order --help lists them."""
    from typer.main import get_command

    from kpolicy.cli import app

    paths = []

    def walk(group, prefix: str) -> None:
        for name, command in group.commands.items():
            paths.append(f"{prefix} {name}")
            if hasattr(command, "commands"):
                walk(command, f"{prefix} {name}")

    walk(get_command(app), "kpolicy")
    return paths


def help_pages() -> None:
    """Emit `kpolicy --help` and every command's --help, each under its own heading."""
    import cog

    for path in ["kpolicy", *command_paths()]:
        cog.outl(f"## `{path}`\n")
        cog.outl("```")
        cog.out(output(f"COLUMNS=100 {path} --help"))
        cog.outl("```\n")
