"""A real browser on `bptutor serve`: headless Chromium driven over the DevTools protocol.

No browser-automation package: Chromium speaks the DevTools protocol (CDP) over a websocket,
and aiohttp (which textual-serve needs anyway) is a websocket client. The page draws the
terminal on a canvas, so its text is read from xterm.js's own screen buffer (what the canvas
shows) through a hook installed before the page's script runs; a screenshot shows the rest.

    python tests/tui/browser.py docs/browser-map.png   # regenerate the README's screenshot
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = next(
    (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))),
    None,
)

# textual.js keeps its xterm.js Terminal in a local variable; its wrapper object is the one
# that gets a `websocket_url` property. A setter on Object.prototype catches that first
# assignment, keeps the object, and turns the property back into a plain one.
CAPTURE_TERMINAL = """
Object.defineProperty(Object.prototype, "websocket_url", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "websocket_url",
      {value, writable: true, enumerable: true, configurable: true});
    window.__textualSession = this;
  },
});
window.__screenText = () => {
  const session = window.__textualSession;
  if (!session || !session.terminal) return null;
  const term = session.terminal, buffer = term.buffer.active, lines = [];
  for (let row = 0; row < term.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : "");
  }
  return {cols: term.cols, rows: term.rows, text: lines.join("\\n")};
};
"""

KEYS = {  # DOM key -> (code, Windows virtual key code), for Input.dispatchKeyEvent
    "ArrowDown": ("ArrowDown", 40),
    "ArrowUp": ("ArrowUp", 38),
    "Enter": ("Enter", 13),
    "Escape": ("Escape", 27),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(test: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(proc: subprocess.Popen, sig: int) -> None:
    """Send `sig` to the process group, then kill it if it has not ended within 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def serving(data_dir: Path, *extra: str, timeout: float = 30.0) -> Iterator[str]:
    """`bptutor serve` on a free localhost port, in its own process group; yields its URL."""
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    argv = [sys.executable, "-m", "bptutor.tui.cli", "--data-dir", str(data_dir), *extra]
    argv += ["serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(
            lambda: proc.poll() is not None or _accepts(port), timeout, "bptutor serve to listen"
        )
        if proc.poll() is not None:
            raise RuntimeError(f"bptutor serve exited: {log.read_text(errors='replace')}")
        yield f"http://localhost:{port}/"
    finally:
        # SIGINT is textual-serve's graceful exit: it tells each tab's bptutor to quit
        _stop(proc, signal.SIGINT)


class Page:
    """One page of a headless Chromium, commands sent one at a time over its websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        async for message in self.ws:
            reply = json.loads(message.data)
            if reply.get("id") == call_id:  # anything else is an event we did not ask for
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise RuntimeError(f"the browser closed the connection during {method}")

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def screen(self) -> dict[str, Any] | None:
        """The terminal's text as xterm.js holds it: {cols, rows, text}, None before it exists."""
        return await self.evaluate("window.__screenText && window.__screenText()")

    async def wait_for_text(self, *needles: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            screen = await self.screen()
            text = screen["text"] if screen else ""
            if all(n in text for n in needles):
                return text
            await asyncio.sleep(0.1)
        raise TimeoutError(f"timed out waiting for {needles!r}; the terminal showed:\n{text}")

    async def press(self, key: str, times: int = 1) -> None:
        code, vk = KEYS[key]
        await self.evaluate("window.__textualSession.terminal.focus()")
        for _ in range(times):
            for kind in ("rawKeyDown", "keyUp"):
                await self.send(
                    "Input.dispatchKeyEvent",
                    type=kind,
                    key=key,
                    code=code,
                    windowsVirtualKeyCode=vk,
                    nativeVirtualKeyCode=vk,
                    **({"text": "\r", "unmodifiedText": "\r"} if key == "Enter" else {}),
                )

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def browser_page(
    url: str, width: int = 722, height: int = 590, timeout: float = 30.0
) -> AsyncIterator[Page]:
    """Headless Chromium showing `url` in a window of width×height CSS pixels."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="bptutor-chromium-") as profile:
        argv = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # we may be root in CI; the page is our own localhost server
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",  # Chromium picks one and writes DevToolsActivePort
            f"--window-size={width},{height}",
            "about:blank",
        ]
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        active = Path(profile) / "DevToolsActivePort"
        try:
            wait_until(
                lambda: active.exists() and len(active.read_text().splitlines()) >= 2,
                timeout,
                "Chromium's DevTools port",
            )
            port = int(active.read_text().splitlines()[0])
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                target = next(t for t in targets if t["type"] == "page")
                async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    page = Page(ws)
                    await page.send("Page.enable")
                    await page.send(
                        "Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINAL
                    )
                    await page.send("Page.navigate", url=url)
                    yield page
        finally:
            _stop(proc, signal.SIGTERM)


async def _screenshot(path: Path) -> None:
    from bptutor.engine.course.progress import ProgressStore

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        ProgressStore(data).mark_welcomed()
        with serving(data) as url:
            async with browser_page(url) as page:
                await page.wait_for_text("∂E/∂W1", "not started")
                await page.press("ArrowDown", 8)
                await page.wait_for_text("∇_W2")
                await asyncio.sleep(0.5)  # let the canvas paint the last frame (a picture only)
                await page.screenshot(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "browser-map.png")))
