"""`kpolicy users`: the people who sign in to the review desk, their roles and tokens."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt, FormatOpt, OutputOpt

users_app = typer.Typer(invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None)
app.add_typer(users_app, name="users")

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The person's user name (`kpolicy users list`).")]
ByOpt = Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Who makes the change, for the history (default: $KPOLICY_USER, else your OS user).")]
ReasonOpt = Annotated[Optional[str], typer.Option("--reason", metavar="TEXT", help="Why: kept in the history.")]
USER_COLUMNS = [("name", "name"), ("role", "role"), ("state", "state"), ("added", "added"), ("last_seen", "last seen")]


def _token_notice(name: str, token: str) -> None:
    typer.echo(token)
    typer.echo(f"kpolicy: that is {name}'s sign-in token for `kpolicy serve`; it is shown only now (the database keeps "
               "only its hash): hand it over privately", err=True)


@users_app.callback()
@handle_errors
def users(ctx: typer.Context, db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """The people who sign in to the review desk (`kpolicy serve`), with their roles.

    Roles: reader (sees everything, changes nothing), reviewer (curates: review, edit,
    merge, split, delete, add, undo), admin (also removes sources). Once anyone is
    added, the desk asks everyone to sign in with their own token. Without a subcommand:
    the list. Every add, disable, enable, role and token change is one change in the
    history (`kpolicy history`, signed --by), and all but a new token can be undone
    (`kpolicy undo CHANGE`; on the desk, by an admin).

    \b
    Examples:
      kpolicy users add ana --role reviewer
      kpolicy users list
      kpolicy users token ana
      kpolicy users disable ana
    """
    if ctx.invoked_subcommand is not None:
        return
    users_list(db=db, format=format, output=output)


def users_list(db: DbOpt = None, format: FormatOpt = "table", output: OutputOpt = None) -> None:
    """List the people: name, role, active or disabled, when added, when last seen on the desk.

    \b
    Example:
      kpolicy users list --format csv
    """
    from kpolicy.cli.output import check_format, emit, output_stream
    from kpolicy.store import users

    fmt = check_format(format)
    database = open_db(db)
    with database.reading() as conn:
        rows = users.list_users(conn)
    if not rows:
        typer.echo("kpolicy: no users yet; `kpolicy users add NAME --role reviewer` adds one", err=True)
    with output_stream(output) as out:
        emit(rows, fmt, out, USER_COLUMNS, fields=tuple(k for k, _ in USER_COLUMNS))


def users_add(
    name: NameArg,
    role: Annotated[str, typer.Option("--role", "-r", metavar="ROLE", help="reader, reviewer or admin.")] = "reviewer",
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a person and print their sign-in token (shown once; only its hash is kept).

    \b
    Examples:
      kpolicy users add ana --role reviewer
      kpolicy users add "Min-jun Park" --role reader
    """
    from kpolicy.store import users

    name, role = users.check_name(name), users.check_role(role)
    database = open_db(db)
    with database.writing() as conn:
        token = users.add_user(conn, name, role, by=by, reason=reason)
    _token_notice(name, token)


def users_token(name: NameArg, by: ByOpt = None, reason: ReasonOpt = None, db: DbOpt = None) -> None:
    """Give a person a new sign-in token: the old one, and every desk session made with it, stop working.

    \b
    Example:
      kpolicy users token ana
    """
    from kpolicy.store import users

    name = users.check_name(name)
    database = open_db(db)
    with database.writing() as conn:
        token = users.new_token(conn, name, by=by, reason=reason)
    _token_notice(name, token)


def users_disable(name: NameArg, by: ByOpt = None, reason: ReasonOpt = None, db: DbOpt = None) -> None:
    """Disable a person: their token stops working and their desk sessions end at their next request.

    \b
    Example:
      kpolicy users disable ana
    """
    from kpolicy.store import users

    name = users.check_name(name)
    database = open_db(db)
    with database.writing() as conn:
        changed = users.set_disabled(conn, name, True, by=by, reason=reason)
    typer.echo(f"kpolicy: {name} {'disabled; their sessions have ended' if changed else 'was already disabled'}", err=True)


def users_enable(name: NameArg, by: ByOpt = None, reason: ReasonOpt = None, db: DbOpt = None) -> None:
    """Enable a disabled person again (their token works again; give a new one with `users token` if it leaked).

    \b
    Example:
      kpolicy users enable ana
    """
    from kpolicy.store import users

    name = users.check_name(name)
    database = open_db(db)
    with database.writing() as conn:
        changed = users.set_disabled(conn, name, False, by=by, reason=reason)
    typer.echo(f"kpolicy: {name} {'enabled' if changed else 'was already active'}", err=True)


def users_role(
    name: NameArg,
    role: Annotated[str, typer.Argument(metavar="ROLE", help="reader, reviewer or admin.")],
    by: ByOpt = None,
    reason: ReasonOpt = None,
    db: DbOpt = None,
) -> None:
    """Change a person's role (it holds from their next request).

    \b
    Example:
      kpolicy users role ana admin
    """
    from kpolicy.store import users

    name, role = users.check_name(name), users.check_role(role)
    database = open_db(db)
    with database.writing() as conn:
        changed = users.set_role(conn, name, role, by=by, reason=reason)
    typer.echo(f"kpolicy: {name} is now {role}" if changed else f"kpolicy: {name} was {role} already", err=True)


users_app.command("list")(handle_errors(users_list))
users_app.command("add")(handle_errors(users_add))
users_app.command("token")(handle_errors(users_token))
users_app.command("disable")(handle_errors(users_disable))
users_app.command("enable")(handle_errors(users_enable))
users_app.command("role")(handle_errors(users_role))
