"""TCP port choice: the default when free, else a nearby free one; an explicitly requested port must be free."""
from __future__ import annotations

import os
import socket

from db.labels import LAUNCHER as L
from launcher.errors import LaunchError

SEARCH_SPAN = 100


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on host:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR, so a port held only by TIME_WAIT leftovers is usable: test the same way.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel considers free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def choose_port(default: int, env_name: str, what: str, host: str = "127.0.0.1") -> tuple[int, str | None]:
    """(port, note): the port from env_name (must be free), else default, else the next free one.

    The note tells the operator when the default was taken and another port was used instead."""
    explicit = os.environ.get(env_name, "").strip()
    if explicit:
        if not explicit.isdigit() or not 0 < int(explicit) < 65536:
            raise LaunchError(L["port_invalid"].format(env=env_name, value=explicit))
        if not port_free(int(explicit), host):
            raise LaunchError(L["port_taken_explicit"].format(env=env_name, port=explicit, what=what))
        return int(explicit), None
    if port_free(default, host):
        return default, None
    for port in range(default + 1, default + SEARCH_SPAN):
        if port_free(port, host):
            break
    else:
        port = free_port(host)
    return port, L["port_fallback"].format(what=what, default=default, port=port, env=env_name)
