"""A tiny Chrome DevTools Protocol client for the report test, over ``--remote-debugging-pipe``.

Chromium reads commands from fd 3 and writes replies and events to fd 4, each a JSON
message ended by a NUL byte, so no websocket library is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def chromium() -> str | None:
    """The Chromium binary on this machine, or None."""
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or next((p for p in ("/usr/bin/chromium",) if Path(p).exists()), None)
    )


A4_LANDSCAPE_PX = 1047  # 297 mm less 2 × 10 mm margins, at 96 px per inch
PRINT_BOXES = (
    "Array.from(document.querySelectorAll('.scroll')).map(function (b) {"
    "  var t = b.querySelector('table'); return [t.className, t.getBoundingClientRect().right,"
    "  b.scrollWidth - b.clientWidth, b.scrollHeight - b.clientHeight, t.querySelectorAll('tbody tr').length]; })"
)
ERROR_EVENTS = ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded")


class Browser:
    def __init__(self, binary: str) -> None:
        self._profile = tempfile.TemporaryDirectory()
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends on the fds chromium expects
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        args = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            pass_fds=(3, 4),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        self.target: str | None = None

    # -- protocol ---------------------------------------------------------------------------

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            ev = self._read(max(0.1, deadline - time.monotonic()))
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    # -- a page -----------------------------------------------------------------------------

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Open the page in a new tab (the previous one is closed, its events dropped: a new page, new errors)."""
        if self.target:
            self.session = None
            self.send("Target.closeTarget", {"targetId": self.target})
            self.events.clear()
        self.target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        return self.evaluate(expression)

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error/assert calls and error log entries so far."""
        out = []
        for ev in self.events:
            method, p = ev.get("method"), ev.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(json.dumps(p.get("args", []))[:500])
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(json.dumps(p["entry"])[:500])
        return out

    def as_printed(self) -> list[list[Any]]:
        """Lay the open page out as printed on A4 landscape; per scroll box: its table's class and right edge, how
        much wider and taller than the box its content is, and the table's rows."""
        self.send("Emulation.setEmulatedMedia", {"media": "print"})
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": A4_LANDSCAPE_PX, "height": 700, "deviceScaleFactor": 1, "mobile": False},
        )
        return self.evaluate(PRINT_BOXES)

    def pdf_page_size(self) -> tuple[int, int] | None:
        """The page size (points) of the open page printed to PDF as its CSS asks (A4 landscape: 842 × 595)."""
        pdf = base64.b64decode(self.send("Page.printToPDF", {"preferCSSPageSize": True})["data"])
        media = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        return None if media is None else (round(float(media[1])), round(float(media[2])))

    def screenshot(self, path: Path, height: int) -> None:
        clip = {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        self._profile.cleanup()
