"""People, roles, tokens and desk sessions (migration 0012): who may read, curate, manage.

- A person has a name, a role (reader < reviewer < admin) and one sign-in token. The token
  is shown once, when it is made (`kpolicy users add` / `users token`); the database keeps
  only its Argon2id hash (argon2-cffi), so a copy of the database gives nobody a token.
  The token reads `kp_<id>_<secret>`: the id finds the row, the hash checks the secret.
- Signing in to the desk makes a session: a random key in an HttpOnly cookie, stored as its
  SHA-256 (the key is 256 random bits, so a fast hash is enough, and every request can check
  it without Argon2's deliberate cost). A session ends when it expires, when its person
  signs out, when the person is disabled or given a new token: every request looks it up.
- `working_on` is the last page a session opened, for the history page's "who is working
  on what"; `last_seen_at` is written at most once a minute per session.

Managing people is part of the history (issue 23): adding a person, disabling or enabling
them, changing their role and issuing a new token are each one change (`user_add`,
`user_disable`, `user_enable`, `user_role`, `user_token`) by whoever ran the command, with a
revision on event 0, field `user`, whose old and new values are the person's name, role and
state (never a token or its hash). `kpolicy history` lists them and `kpolicy undo` takes them
back (`revert`): an added person is disabled, a disabled one enabled, a role put back. A new
token cannot be undone: the old token was ended on purpose (it may have leaked), so the undo
is refused and says to issue another. These writes run in the event writers' transaction
(Database.writing), so change numbers follow commit order as they do for every change.

Signing in, desk sessions and their last-seen times are bookkeeping, not history: they are
written in their own short transaction, never under the event writers' lock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.errors import BadInput, Forbidden, SignInFailed
from kpolicy.store import schema

ROLES = ("reader", "reviewer", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
NAME_MAX = 64
TOKEN_RE = re.compile(r"kp_([0-9]{1,18})_([A-Za-z0-9_-]{20,100})")
SEEN_EVERY = timedelta(seconds=60)
WORKING_MAX = 200


@dataclass(frozen=True)
class Person:
    """Who a request comes from."""

    id: int | None  # None: the single-token mode's one person (no users row)
    name: str
    role: str
    session_id: int | None = None

    def may(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


def now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def check_name(name: str) -> str:
    """A user name: 1-64 printable characters, no control or format characters, trimmed."""
    if name is None or not name.strip():
        raise BadInput("a user name is required; give one, e.g. `kpolicy users add ana --role reviewer`")
    bad = [ch for ch in name if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")]
    if bad:
        raise BadInput(f"user name {name.encode('unicode_escape').decode()[:80]!r} has a control character "
                       f"(U+{ord(bad[0]):04X}); use letters, digits, spaces and punctuation only")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise BadInput(f"user name is {len(name)} characters long; keep it to {NAME_MAX}")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        from kpolicy.errors import suggest

        raise BadInput(f"unknown role {role!r}{suggest(role, ROLES)}; use one of {', '.join(ROLES)}")
    return role


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id, the library's (RFC 9106 low-memory) defaults


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _row(conn: Connection, name: str):
    u = schema.users
    row = conn.execute(sa.select(u).where(u.c.name == name)).first()
    if row is None:
        names = conn.execute(sa.select(u.c.name).order_by(u.c.name)).scalars().all()
        from kpolicy.errors import suggest

        raise BadInput(f"no user {name!r}{suggest(name, names)}; `kpolicy users list` lists them")
    return row


def _issue(conn: Connection, user_id: int) -> str:
    secret = secrets.token_urlsafe(32)
    u = schema.users
    conn.execute(sa.update(u).where(u.c.id == user_id).values(token_hash=_hasher().hash(secret), token_at=now()))
    end_sessions(conn, user_id)
    return f"kp_{user_id}_{secret}"


USER_FIELD = "user"  # the revision field of a change to a person (event 0)
USER_ACTIONS = ("user_add", "user_disable", "user_enable", "user_role", "user_token")


def _state(row) -> dict:
    """What the history keeps of a person: never the token or its hash."""
    return {"name": row.name, "role": row.role, "state": "disabled" if row.disabled_at is not None else "active"}


def _history(conn: Connection, action: str, by: str | None, reason: str | None, old: dict | None, new: dict) -> int:
    from kpolicy.store import write

    change = write.begin_change(conn, action, by=by, reason=reason)
    write.record(conn, change, 0, USER_FIELD, USER_FIELD, old, new)
    return change


def add_user(conn: Connection, name: str, role: str, by: str | None = None, reason: str | None = None) -> str:
    """Add a person (one `user_add` change); returns their token (shown once: only its hash is kept)."""
    name, role = check_name(name), check_role(role)
    u = schema.users
    if conn.execute(sa.select(u.c.id).where(u.c.name == name)).first() is not None:
        raise BadInput(f"user {name!r} exists already; `kpolicy users token {name}` gives them a new token")
    user_id = conn.execute(sa.insert(u).values(name=name, role=role, token_hash="", created_at=now(), token_at=now())
                           .returning(u.c.id)).scalar_one()
    token = _issue(conn, user_id)
    _history(conn, "user_add", by, reason, None, {"name": name, "role": role, "state": "active"})
    return token


def new_token(conn: Connection, name: str, by: str | None = None, reason: str | None = None) -> str:
    """A new token for a person (one `user_token` change): the old one and every session made with it stop working."""
    row = _row(conn, check_name(name))
    if row.disabled_at is not None:
        raise BadInput(f"user {row.name!r} is disabled; `kpolicy users enable {row.name}` first")
    token = _issue(conn, row.id)
    issued = conn.execute(sa.select(schema.users.c.token_at).where(schema.users.c.id == row.id)).scalar_one()
    _history(conn, "user_token", by, reason, {**_state(row), "token": "ended"},
             {**_state(row), "token": f"new, issued {issued.isoformat(sep=' ')}"})
    return token


def set_disabled(conn: Connection, name: str, disabled: bool, by: str | None = None, reason: str | None = None) -> bool:
    """Disable (every session ends at its next request) or enable a person, as one change; False if already so."""
    row = _row(conn, check_name(name))
    if (row.disabled_at is not None) == disabled:
        return False
    _put(conn, row, {"state": "disabled" if disabled else "active"})
    _history(conn, "user_disable" if disabled else "user_enable", by, reason, _state(row),
             {**_state(row), "state": "disabled" if disabled else "active"})
    return True


def set_role(conn: Connection, name: str, role: str, by: str | None = None, reason: str | None = None) -> bool:
    """Change a person's role, as one change; False if they have it already."""
    row = _row(conn, check_name(name))
    role = check_role(role)
    if row.role == role:
        return False
    _put(conn, row, {"role": role})
    _history(conn, "user_role", by, reason, _state(row), {**_state(row), "role": role})
    return True


def _put(conn: Connection, row, values: dict) -> None:
    """Set a person's role and/or state (disabling ends their sessions)."""
    u = schema.users
    update = {}
    if "role" in values:
        update["role"] = values["role"]
    if "state" in values:
        update["disabled_at"] = now() if values["state"] == "disabled" else None
    conn.execute(sa.update(u).where(u.c.id == row.id).values(**update))
    if values.get("state") == "disabled":
        end_sessions(conn, row.id)


def revert(conn: Connection, new_change: int, old: dict | None, new: dict, strict: bool) -> None:
    """Undo one `user` revision by `new_change` (kpolicy.curate.changes.undo_change): an added person is
    disabled, a state or role put back. A new token is not undone (strict: refused in one line)."""
    from kpolicy.errors import Conflict
    from kpolicy.store import write

    u = schema.users
    row = conn.execute(sa.select(u).where(u.c.name == new["name"])).first()
    if row is None:
        return
    if "token" in new:
        if strict:
            raise BadInput(f"a new token cannot be taken back: {row.name}'s old one was ended on purpose (it may have "
                           f"leaked); `kpolicy users token {row.name}` issues another")
        return
    current = _state(row)
    if old is None:  # the person was added: taking it back disables them (their row stays: the history names them)
        changed, target = ["state"], {"state": "disabled"}
    else:
        changed = [k for k in ("role", "state") if old.get(k) != new.get(k)]
        target = {k: old[k] for k in changed}
    later = [k for k in changed if old is not None and current[k] != new[k]]
    if strict and later:
        raise Conflict(f"{row.name}'s {later[0]} was changed again after this change (it is now {current[later[0]]}); "
                       f"undo the later change first (`kpolicy history` lists them)")
    if all(current[k] == v for k, v in target.items()):
        return
    _put(conn, row, target)
    write.record(conn, new_change, 0, "reverted", USER_FIELD, current, {**current, **target})


def list_users(conn: Connection) -> list[dict]:
    """Every person: name, role, state, when added, when last seen on the desk."""
    u, s = schema.users, schema.sessions
    seen = sa.select(sa.func.max(s.c.last_seen_at)).where(s.c.user_id == u.c.id).scalar_subquery()
    rows = conn.execute(sa.select(u.c.name, u.c.role, u.c.disabled_at, u.c.created_at, seen.label("seen")).order_by(u.c.name))
    return [{"name": r.name, "role": r.role, "state": "disabled" if r.disabled_at else "active",
             "added": r.created_at.isoformat(sep=" "), "last_seen": r.seen.isoformat(sep=" ") if r.seen else ""} for r in rows]


def any_users(conn: Connection) -> bool:
    u = schema.users
    return conn.execute(sa.select(u.c.id).where(u.c.disabled_at.is_(None)).limit(1)).first() is not None


def check_token(conn: Connection, token: str) -> Person:
    """The person a token belongs to, or SignInFailed (same message for every wrong token)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    wrong = SignInFailed("wrong or out-of-date token; ask an admin for a new one (`kpolicy users token NAME`)")
    m = TOKEN_RE.fullmatch((token or "").strip())
    if m is None:
        raise wrong
    u = schema.users
    row = conn.execute(sa.select(u).where(u.c.id == int(m.group(1)))).first()
    if row is None or not row.token_hash:
        _hasher().hash("x")  # about the same time as a real check: no user ids learnt by timing
        raise wrong
    try:
        _hasher().verify(row.token_hash, m.group(2))
    except (VerificationError, InvalidHashError):
        raise wrong from None
    if row.disabled_at is not None:
        raise SignInFailed(f"user {row.name!r} is disabled; ask an admin (`kpolicy users enable {row.name}`)")
    return Person(row.id, row.name, row.role)


def start_session(conn: Connection, person: Person, hours: float) -> str:
    """A new desk session for a signed-in person; returns its key (for the cookie)."""
    key = secrets.token_urlsafe(32)
    at = now()
    conn.execute(sa.insert(schema.sessions).values(user_id=person.id, key_hash=_key_hash(key), created_at=at,
                                                   expires_at=at + timedelta(hours=hours), last_seen_at=at))
    return key


def session_person(conn: Connection, key: str) -> Person:
    """The person behind a session key, or SignInFailed saying why (expired, ended, disabled)."""
    s, u = schema.sessions, schema.users
    row = conn.execute(sa.select(s.c.id, s.c.expires_at, s.c.ended_at, u.c.id.label("user_id"), u.c.name, u.c.role,
                                 u.c.disabled_at).join(u, u.c.id == s.c.user_id)
                       .where(s.c.key_hash == _key_hash(key or ""))).first()
    if row is None:
        raise SignInFailed("you are not signed in (or the server no longer knows this session); sign in with your token")
    if row.disabled_at is not None:
        raise SignInFailed(f"user {row.name!r} is disabled, so this session has ended; ask an admin")
    if row.ended_at is not None:
        raise SignInFailed("this session has ended (signed out, or a new token was issued); sign in again")
    if row.expires_at <= now():
        raise SignInFailed("your session has expired; sign in again with your token")
    return Person(row.user_id, row.name, row.role, row.id)


def touch_session(conn: Connection, session_id: int, working_on: str | None) -> None:
    s = schema.sessions
    values = {"last_seen_at": now()}
    if working_on is not None:
        values["working_on"] = working_on[:WORKING_MAX]
    conn.execute(sa.update(s).where(s.c.id == session_id).values(**values))


def end_session(conn: Connection, key: str) -> None:
    s = schema.sessions
    conn.execute(sa.update(s).where(s.c.key_hash == _key_hash(key or ""), s.c.ended_at.is_(None)).values(ended_at=now()))


def end_sessions(conn: Connection, user_id: int) -> None:
    s = schema.sessions
    conn.execute(sa.update(s).where(s.c.user_id == user_id, s.c.ended_at.is_(None)).values(ended_at=now()))


def who_is_working(conn: Connection, within: timedelta = timedelta(minutes=15)) -> list[dict]:
    """Sessions seen in the last minutes: who, role, what page, when (newest first)."""
    s, u = schema.sessions, schema.users
    at = now()
    rows = conn.execute(sa.select(u.c.name, u.c.role, s.c.working_on, s.c.last_seen_at).join(u, u.c.id == s.c.user_id)
                        .where(s.c.ended_at.is_(None), s.c.expires_at > at, s.c.last_seen_at >= at - within,
                               u.c.disabled_at.is_(None))
                        .order_by(s.c.last_seen_at.desc()).limit(50)).all()
    out, seen = [], set()
    for r in rows:
        if r.name in seen:
            continue
        seen.add(r.name)
        out.append({"name": r.name, "role": r.role, "working_on": r.working_on or "", "seen": r.last_seen_at.isoformat(sep=" ")})
    return out


__all__ = ["ROLES", "USER_FIELD", "USER_ACTIONS", "revert", "Person", "add_user", "new_token", "set_disabled", "set_role", "list_users", "any_users", "check_token",
           "start_session", "session_person", "touch_session", "end_session", "end_sessions", "who_is_working",
           "check_name", "check_role", "SEEN_EVERY", "Forbidden"]
