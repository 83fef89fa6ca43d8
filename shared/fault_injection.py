"""Fault injection for the crash tests only; installed when a test sets it, never in production.

``CrashAfterCommit`` kills the process with SIGKILL at the moment a successful answer to a
matching request is about to be sent: the request's transaction has committed (it commits
before the response starts) and not one byte of the answer has left, which is exactly a
reply lost after its effect. Settings refuse it outside the test environment.
"""

from __future__ import annotations

import os
import re
import signal

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CrashAfterCommit:
    """SIGKILL this process before the first byte of a 2xx answer to ``METHOD /path`` matching a pattern."""

    def __init__(self, app: ASGIApp, *, pattern: str) -> None:
        self.app = app
        self.pattern = re.compile(pattern)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.pattern.fullmatch(f"{scope['method']} {scope['path']}"):
            await self.app(scope, receive, send)
            return

        async def send_or_die(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                os.kill(os.getpid(), signal.SIGKILL)
            await send(message)

        await self.app(scope, receive, send_or_die)
