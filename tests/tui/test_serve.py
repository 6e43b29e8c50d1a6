"""`bptutor serve`: the command each tab runs, the warning off localhost, and a real browser.

The browser test starts `bptutor serve` on a free localhost port and drives headless Chromium
over the DevTools protocol (tests/tui/browser.py): the course map must arrive with its maths
and box drawing intact, the keys must work, and the tab must write the serving user's progress.
"""

from __future__ import annotations

import argparse
import json
import shlex
import socket
import sys
import urllib.request
from pathlib import Path

import pytest
from bptutor.engine.course.progress import FILE_NAME, ProgressStore
from bptutor.tui import serve_cli
from bptutor.tui.cli import build_parser, main
from browser import CHROMIUM, browser_page, serving


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_defaults_are_localhost_port_8000() -> None:
    args = parse("serve")
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_each_tab_runs_this_bptutor_with_the_same_options(tmp_path: Path) -> None:
    args = parse(
        "--data-dir", "my data", "--lessons", str(tmp_path / "course"), "--seed", "7", "serve"
    )
    argv = shlex.split(serve_cli.child_command(args))
    assert argv[:3] == [sys.executable, "-m", "bptutor.tui.cli"]
    assert argv[3:] == [
        "--data-dir",
        str(Path("my data").resolve()),  # absolute, and quoted for the shell (a space)
        "--lessons",
        str(tmp_path / "course"),
        "--seed",
        "7",
    ]
    assert shlex.split(serve_cli.child_command(parse("serve")))[3:] == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_no_warning_on_loopback(host: str) -> None:
    assert serve_cli.exposure_warning(host, 8000) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "tutor.example.org"])
def test_warns_plainly_off_localhost(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(
        serve_cli.TutorServer, "serve", lambda self: served.append((self.host, self.port))
    )
    assert main(["serve", "--host", host, "--port", "8123"]) == 0
    err = capsys.readouterr().err
    assert served == [(host, 8123)]
    assert "WARNING" in err and "no login" in err and "YOUR progress" in err
    assert "ssh -L 8123:localhost:8123" in err


def test_a_taken_port_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_bad_port_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err


def test_the_page_points_back_at_the_address_the_browser_used(tmp_path: Path) -> None:
    """Behind `ssh -L 9000:localhost:8000` the browser says Host: localhost:9000; the page's
    websocket and static URLs must use that, not the address the server bound."""
    with serving(tmp_path / "data") as url:
        request = urllib.request.Request(url, headers={"Host": "localhost:9000"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = response.read().decode()
    assert 'data-session-websocket-url="ws://localhost:9000/ws"' in page
    assert "http://localhost:9000/static/js/textual.js" in page


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
async def test_the_course_in_a_real_browser(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ProgressStore(data).mark_welcomed()  # the first screen is the course map
    with serving(data) as url:
        async with browser_page(url) as page:
            text = await page.wait_for_text("Backpropagation, by hand", "not started", "⏎ Open")
            screen = await page.screen()
            assert (screen["cols"], screen["rows"]) == (80, 24)
            assert "∂E/∂W2: the output weights" in text
            assert "∂E/∂W1: the hidden weights" in text
            lines = text.splitlines()
            top = next(line for line in lines if "╭" in line)
            assert top.strip().startswith("╭─") and top.strip().endswith("─╮")
            assert sum(line.strip().startswith("│") for line in lines) >= 12
            assert any(line.strip().startswith("╰─") for line in lines)

            await page.press("ArrowDown", 8)  # lesson 9: its summary names ∇_W2 E
            await page.wait_for_text("∇_W2", "Differentiate the cost")
            await page.press("ArrowUp", 2)
            await page.wait_for_text("Meet the notes' network")
            await page.press("Enter")  # lesson 7 opens at its first step: a diagram with ŷ
            text = await page.wait_for_text("ŷ", "── W1 ──┤")
            assert "x₁ ──┐" in text and "── W2 ──▶ ŷ" in text

    # the tab's bptutor used the served data dir: the step it showed is recorded there
    saved = json.loads((data / FILE_NAME).read_text(encoding="utf-8"))
    assert "network" in json.dumps(saved)
