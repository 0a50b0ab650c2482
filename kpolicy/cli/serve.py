"""`kpolicy serve`: the review desk in the browser (kpolicy.web, imported only when it runs)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kpolicy.cli.app import app, handle_errors, open_db
from kpolicy.cli.options import DbOpt

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
@handle_errors
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on. Default 127.0.0.1 (this machine only); 0.0.0.0 shares it on the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", metavar="PORT", help="Port to listen on (0: any free port).")] = 8080,
    read_only: Annotated[bool, typer.Option("--read-only", help="Show everything, refuse every change.")] = False,
    token: Annotated[Optional[str], typer.Option("--token", envvar="KPOLICY_TOKEN", metavar="TOKEN", help="The write token (default: a new random one each start). Also KPOLICY_TOKEN.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", metavar="NAME", help="Single-token mode: who changes are recorded as (default KPOLICY_USER, else the OS user).")] = None,
    session_hours: Annotated[float, typer.Option("--session-hours", metavar="HOURS", help="People mode: a sign-in lasts this long.")] = 12.0,
    proxy: Annotated[bool, typer.Option("--proxy", help="Behind a reverse proxy on this machine: trust its X-Forwarded-For/-Proto (client address, HTTPS).")] = False,
) -> None:
    """Start the review desk: the timeline, the evidence and every curation action in a browser.

    Once `kpolicy users add` has added anyone, every person signs in with their own token
    (readers read, reviewers curate, admins also remove sources) and every change is
    recorded under them. Otherwise, or with --token, one person works alone: the printed
    URL carries the write token (the page sets a cookie from it, so only someone with that
    URL, or Authorization: Bearer TOKEN, can change anything).
    Every page has a .json twin at the same path (/events/3.json). Stop with Ctrl-C.

    \b
    Examples:
      kpolicy serve
      kpolicy serve --read-only --port 8000
      kpolicy serve --db postgresql+psycopg://kp@dbhost/kpolicy --proxy --session-hours 8
    """
    import secrets

    if token is not None and len(token.strip()) < 8:
        from kpolicy.errors import BadInput

        raise BadInput("--token is too short: give at least 8 characters, or leave it out for a random one")
    if not 0 <= port <= 65535:
        from kpolicy.errors import BadInput

        raise BadInput(f"--port {port} is not a port; give 1-65535 (or 0 for any free port)")
    if not 0 < session_hours <= 24 * 90:
        from kpolicy.errors import BadInput

        raise BadInput(f"--session-hours {session_hours:g} is out of range; give more than 0 and at most 2160 (90 days)")
    database = open_db(db)
    team = False
    if token is None:
        from kpolicy.store import users

        with database.reading() as conn:
            team = users.any_users(conn)
    token = None if team else (token.strip() if token else secrets.token_urlsafe(24))
    import socket

    import uvicorn

    from kpolicy.web import create_app

    web_app = create_app(database, token=token, read_only=read_only, user=by, team=team, session_hours=session_hours)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        from kpolicy.errors import RuntimeFailure

        raise RuntimeFailure(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port") from None
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = socket.gethostname()
    url = f"http://{shown}:{bound_port}/"
    typer.echo(f"kpolicy: serving {database.target.label}{' (read-only)' if read_only else ''}", err=True)
    if host not in LOOPBACK and not team:
        typer.echo(f"kpolicy: listening on {host}: anyone who can reach this machine can read the timeline; changes still need the token", err=True)
    if team:
        typer.echo(f"kpolicy: people sign in with their own tokens (`kpolicy users`); sessions last {session_hours:g} h", err=True)
    if read_only or team:
        typer.echo(f"open {url}")
    else:
        typer.echo(f"open {url}?token={token}")
    typer.echo("kpolicy: press Ctrl-C to stop", err=True)
    config = uvicorn.Config(web_app, log_level="warning", access_log=False, server_header=False, date_header=False, lifespan="off",
                            proxy_headers=proxy, forwarded_allow_ips="127.0.0.1,::1" if proxy else None)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
