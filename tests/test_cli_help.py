"""Every command documents itself; the entry point starts without the heavy imports."""

from __future__ import annotations

import subprocess
import sys

from typer.main import get_command

from kpolicy.cli import app

COMMANDS = sorted(get_command(app).commands)


def test_help_lists_every_command_with_a_description(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kpolicy", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0
    for name in COMMANDS:
        line = next((l for l in result.stdout.splitlines() if l.strip().startswith(name + " ")), None)
        assert line is not None, f"{name} missing from kpolicy --help"
        assert len(line.split(None, 1)) == 2, f"{name} has no one-line description"


def test_every_command_has_help_with_an_example():
    group = get_command(app)
    for name in COMMANDS:
        command = group.commands[name]
        assert command.help and command.help.strip(), f"kpolicy {name} has no help"
        assert "Example" in command.help, f"kpolicy {name} --help has no example"
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option" and not param.hidden:
                assert param.help, f"kpolicy {name} {param.opts[0]} has no help"


def test_help_does_not_import_sqlalchemy(tmp_path):
    code = "import sys\nfrom kpolicy.cli import main\nsys.argv=['kpolicy','--help']\ntry:\n    main()\nexcept SystemExit:\n    pass\nprint('sqlalchemy' in sys.modules, 'alembic' in sys.modules, 'edtf' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "False False False"


def test_version():
    from typer.testing import CliRunner

    from kpolicy import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"kpolicy {__version__}\n"


def test_main_help_never_cuts_a_description(tmp_path):
    """Issue 15.4: each command's first sentence is shown whole (wrapped), never cut with '...'."""
    result = subprocess.run([sys.executable, "-m", "kpolicy", "--help"], capture_output=True, text=True, cwd=tmp_path)
    commands = result.stdout.split("Commands:", 1)[1]
    assert "..." not in commands and "…" not in commands


def test_the_entry_point_still_knows_every_command_around_the_invoked_one(tmp_path):
    """main() hands Typer only the invoked command (start-up); a sub-group, a command's own
    --help and an unknown command's suggestion work as before."""
    def run(*args):
        return subprocess.run([sys.executable, "-m", "kpolicy", *args], capture_output=True, text=True, cwd=tmp_path)

    sources = run("sources", "--help")
    assert sources.returncode == 0 and "remove" in sources.stdout and "edit" in sources.stdout
    events = run("events", "--help")
    assert events.returncode == 0 and "--actor" in events.stdout
    typo = run("evnts")
    assert typo.returncode == 2 and "events" in typo.stderr
    assert len(typo.stderr.strip().splitlines()) == 1
