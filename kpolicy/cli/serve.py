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
    allow_host: Annotated[Optional[list[str]], typer.Option("--allow-host", metavar="NAME", help="Another name the desk may be reached by (the Host header: a reverse proxy's, a LAN name); repeatable.")] = None,
) -> None:
    """Start the review desk: the timeline, the evidence and every curation action in a browser.

    Once `kpolicy users add` has added anyone, every person signs in with their own token
    (readers read, reviewers curate, admins also remove sources) and every change is
    recorded under them. Otherwise, or with --token, one person works alone: the printed
    URL carries the write token (the page sets a cookie from it, so only someone with that
    URL, or Authorization: Bearer TOKEN, can change anything).
    Every page has a .json twin at the same path (/events/3.json). Stop with Ctrl-C.

    The desk answers only requests whose Host header names the address it serves
    (127.0.0.1, localhost and ::1 by default; the machine's names and addresses with
    --host 0.0.0.0), so a web page rebound by DNS to 127.0.0.1 cannot read it;
    --allow-host NAME adds a name (a reverse proxy's, a LAN alias).

    \b
    Examples:
      kpolicy serve
      kpolicy serve --read-only --port 8000
      kpolicy serve --db postgresql+psycopg://kp@dbhost/kpolicy --proxy --session-hours 8
    """
    import secrets

    from kpolicy.errors import BadInput

    if not host.strip():
        raise BadInput("--host is empty (that would listen on every address); give 127.0.0.1, or 0.0.0.0 to share it on the network")
    host = host.strip()
    if token is not None and not (token.strip().isascii() and token.strip().isprintable()):
        raise BadInput("--token must be printable ASCII (a browser cannot send other characters in a cookie); "
                       "leave it out for a random one, or use letters, digits and - _ .")
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

    hosts = set(LOOPBACK) | {h.strip().lower() for h in allow_host or [] if h.strip()}
    if host not in LOOPBACK:
        hosts.add(host.lower())
    if host in ("0.0.0.0", "::"):  # every address of this machine, by its names and addresses
        hosts |= _machine_names()
    web_app = create_app(database, token=token, read_only=read_only, user=by, allowed_hosts=hosts, team=team, session_hours=session_hours)
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
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C is how the desk is stopped: not an error
        pass
    typer.echo("kpolicy: stopped", err=True)


def _machine_names() -> set[str]:
    import socket

    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    for name in list(names):
        try:
            names |= {info[4][0].lower() for info in socket.getaddrinfo(name, None)}
        except OSError:
            pass
    return {n for n in names if n}
