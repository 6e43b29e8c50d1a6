"""`bptutor serve`: the tutor in a web browser, one bptutor process per browser tab.

textual-serve runs a shell command for every websocket (browser tab) and relays the terminal
through Textual's web driver, so a tab is the same app, screens and keys as in a terminal. It
has no login of its own: anyone who can reach the port drives a bptutor on the serving user's
progress. Hence localhost by default (reach it through `ssh -L`) and a plain warning otherwise.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

from aiohttp import web
from textual_serve.server import Server

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def child_command(args: argparse.Namespace) -> str:
    """The shell command each browser tab runs: this interpreter's bptutor, same options.

    `python -m bptutor.tui.cli` rather than whatever `bptutor` is first on PATH, so a tab runs
    the very installation that serves it. Paths are made absolute (the child's working
    directory is ours today, but the command should not depend on it).
    """
    argv = [sys.executable, "-m", "bptutor.tui.cli"]
    data_dir: Path | None = getattr(args, "data_dir", None)
    lessons: Path | None = getattr(args, "lessons", None)
    seed: int | None = getattr(args, "seed", None)
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir.expanduser().resolve())]
    if lessons is not None:
        argv += ["--lessons", str(lessons.expanduser().resolve())]
    if seed is not None:
        argv += ["--seed", str(seed)]
    return shlex.join(argv)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def exposure_warning(host: str, port: int) -> str | None:
    """The warning to print before listening on `host`, or None for a loopback address."""
    if is_loopback(host):
        return None
    return (
        f"WARNING: listening on {host}:{port}, not on localhost. bptutor serve has no login: "
        "anyone who can reach this address and port gets a bptutor session on YOUR progress "
        f"({'every network interface' if host in ('0.0.0.0', '::', '') else host}). "
        "Prefer the default (127.0.0.1) and SSH port forwarding: "
        f"ssh -L {port}:localhost:{port} THIS-SERVER, then open http://localhost:{port}"
    )


class TutorServer(Server):
    """textual-serve's Server, with the page's own URLs taken from the request.

    textual-serve writes absolute URLs (websocket, static files) from one fixed `public_url`,
    by default http://HOST:PORT as bound. Behind `ssh -L 9000:localhost:8000` or when bound to
    0.0.0.0, the browser knows the server by another address; the Host header it sent is the
    one that reaches us, so each page is built with that.
    """

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # the parent's handler reads public_url before its first await: no other request can
        # change it in between (one event loop)
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)


def make_server(args: argparse.Namespace) -> TutorServer:
    host: str = getattr(args, "host", DEFAULT_HOST)
    port: int = getattr(args, "port", DEFAULT_PORT)
    return TutorServer(child_command(args), host=host, port=port, title="bptutor")


def main(args: argparse.Namespace) -> int:
    host: str = args.host
    port: int = args.port
    if not 0 < port < 65536:
        print(f"bptutor serve: --port {port} is not a TCP port (1-65535)", file=sys.stderr)
        return 2
    warning = exposure_warning(host, port)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    server = make_server(args)
    try:
        server.serve()
    except OSError as exc:  # the port is taken, the address is not ours, ...
        print(
            f"bptutor serve: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    return 0
