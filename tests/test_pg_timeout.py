"""A PostgreSQL server that accepts and never answers: one line within the connect timeout (issue 15, item 11)."""

from __future__ import annotations

import socket
import threading
import time

from conftest import Cli


def test_silent_postgres_server_times_out(monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    monkeypatch.setenv("KPOLICY_PG_CONNECT_TIMEOUT", "2")
    try:
        t0 = time.monotonic()
        result = Cli(f"postgresql://u:p@127.0.0.1:{port}/kp")("events")
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
    assert elapsed < 30
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "accepted the connection but did not answer within 2 s" in result.stderr
