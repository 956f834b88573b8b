"""The live-forum benchmark's simulated clients: a participant's phone (joined with the
forum's code, answering polls) and the screens that follow an event stream, a phone's or the
projection's forum stream and a poll's results stream, noting when each version arrived."""

from __future__ import annotations

import asyncio
import json
import re
import time

import httpx

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


async def messages(response: httpx.Response):
    """The data of each message event of a server-sent event stream, read as EventSource
    does: a blank line ends an event, and only events without an ``event:`` name reach
    ``onmessage``. The server's heartbeats (``event: heartbeat``, ``data: 15``) go to their
    own listener in the browser, so a screen never takes them for a snapshot."""
    name, data = "", []
    async for line in response.aiter_lines():
        if line == "":
            if data and name in ("", "message"):
                yield "\n".join(data)
            name, data = "", []
        elif line.startswith("event:"):
            name = line[len("event:"):].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:"):].removeprefix(" "))


class Stream:
    """One screen following the poll: every snapshot version it saw, and when."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.arrivals: list[tuple[float, int]] = []
        self.ended = False
        self.closing = False
        self.error: str | None = None

    async def follow(self, client: httpx.AsyncClient, path: str) -> None:
        try:
            async with client.stream("GET", path) as response:
                self.status = response.status_code
                async for data in messages(response):
                    self.arrivals.append((time.monotonic(), json.loads(data)["version"]))
        except httpx.HTTPError as error:
            self.error = repr(error)
        finally:
            if not self.closing:
                self.ended = True

    def first_seen(self, version: int) -> float | None:
        """When this screen first showed ``version`` or a later one."""
        for arrived, seen in self.arrivals:
            if seen >= version:
                return arrived
        return None


class ForumStream:
    """A phone (or the projection) following its forum: when each poll first showed on it.

    A phone shows a poll drawn in the event that announced it (``polls``, ``fresh``); when
    the event brings no drawing, the page fetches what to show (``redraw``: the phone's list
    of polls, the projection's slide), and the poll shows once that has arrived."""

    def __init__(self, redraw: str | None = None) -> None:
        self.redraw = redraw
        self.status: int | None = None
        self.opened_at: dict[int, float] = {}
        self.first_event = asyncio.Event()
        self.ended = False
        self.closing = False
        self.error: str | None = None
        self._fetching: set[int] = set()
        self._fetches: set[asyncio.Task] = set()

    async def follow(self, client: httpx.AsyncClient, path: str) -> None:
        # Ended however it ends (a client error included): a follower that stopped reading
        # counts as a dropped stream, never as one kept that saw nothing more.
        try:
            await self._follow(client, path)
        finally:
            self.first_event.set()
            if not self.closing:
                self.ended = True
            for fetch in self._fetches:
                fetch.cancel()

    async def _follow(self, client: httpx.AsyncClient, path: str) -> None:
        # Like a browser's EventSource, a phone whose connection the server had already closed
        # (an idle keep-alive connection reused just as it timed out) connects again.
        for _attempt in range(3):
            try:
                async with client.stream("GET", path) as response:
                    self.status = response.status_code
                    async for data in messages(response):
                        self._received(client, json.loads(data))
                        self.first_event.set()
            except httpx.RemoteProtocolError as error:
                self.error = type(error).__name__
                if self.first_event.is_set():
                    return
                continue
            except httpx.HTTPError as error:
                self.error = type(error).__name__
            return

    def _received(self, client: httpx.AsyncClient, state: dict) -> None:
        now = time.monotonic()
        drawn = {poll["id"] for poll in state.get("polls", ()) if poll["fresh"]}
        new = [poll_id for poll_id in state["open_polls"]
               if poll_id not in self.opened_at and poll_id not in self._fetching]
        for poll_id in new:
            if poll_id in drawn or self.redraw is None:
                self.opened_at[poll_id] = now
        asked = [poll_id for poll_id in new if poll_id not in self.opened_at]
        if asked:
            self._fetching.update(asked)
            fetch = asyncio.create_task(self._fetch(client, asked))
            self._fetches.add(fetch)
            fetch.add_done_callback(self._fetches.discard)

    async def _fetch(self, client: httpx.AsyncClient, polls: list[int]) -> None:
        """As the page does: one fetch, and the polls show when it arrived; a failed one
        leaves them unseen (the page would wait for the next event)."""
        try:
            response = await client.get(self.redraw, headers={"X-Requested-With": "fetch"})
        except httpx.HTTPError:
            return
        finally:
            self._fetching.difference_update(polls)
        if response.status_code == 200:
            arrived = time.monotonic()
            for poll_id in polls:
                self.opened_at.setdefault(poll_id, arrived)


class Phone:
    """A participant's phone: its own cookies, joined to the forum with its code."""

    def __init__(self, base_url: str, ssl_context) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=30, verify=ssl_context)
        self.csrf = ""

    async def join(self, code: str) -> None:
        page = await self.client.get(f"/j/{code}")
        self.csrf = CSRF.search(page.text).group(1)
        joined = await self.client.post(f"/j/{code}", data={"csrf_token": self.csrf, "code": code})
        if joined.status_code != 302:
            raise RuntimeError(f"joining failed: {joined.status_code}")
        # The phone page asks once, then follows (consent left empty: nothing stored).
        page = await self.client.get(joined.headers["location"])
        self.csrf = CSRF.search(page.text).group(1)
