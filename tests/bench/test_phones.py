"""The live-forum benchmark's simulated screens read event streams as a browser does: a
heartbeat is not a snapshot, so a quiet spell longer than the keep-alive interval does not
stop a phone from seeing the next poll open."""

import asyncio

import httpx
import pytest

from bench.phones import ForumStream, messages
from core.realtime import KEEPALIVE_SECONDS

SNAPSHOT = 'data: {"forum": 1, "open_polls": [], "table_polls": []}\n\n'
HEARTBEAT = f": keep-alive\nevent: heartbeat\ndata: {KEEPALIVE_SECONDS}\n\n"
OPENED = 'id: 7\ndata: {"forum": 1, "open_polls": [7],\ndata:  "table_polls": []}\n\n'


def _serving(body: str) -> httpx.AsyncClient:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body.encode(),
                              headers={"content-type": "text/event-stream"})

    return httpx.AsyncClient(transport=httpx.MockTransport(respond), base_url="http://screen")


def test_only_message_events_are_read_as_snapshots():
    async def read() -> list[str]:
        async with _serving(SNAPSHOT + HEARTBEAT + OPENED) as client, \
                client.stream("GET", "/forums/1/me/stream") as response:
            return [data async for data in messages(response)]

    assert asyncio.run(read()) == [
        '{"forum": 1, "open_polls": [], "table_polls": []}',
        '{"forum": 1, "open_polls": [7],\n "table_polls": []}',
    ]


def test_a_phone_sees_a_poll_opened_after_a_heartbeat():
    phone = ForumStream()

    async def follow() -> None:
        async with _serving(SNAPSHOT + HEARTBEAT + OPENED) as client:
            await phone.follow(client, "/forums/1/me/stream")

    asyncio.run(follow())
    assert set(phone.opened_at) == {7}
    assert phone.first_event.is_set()


def test_a_phone_whose_reading_failed_counts_as_ended():
    phone = ForumStream()

    async def follow() -> None:
        async with _serving('data: {"not": "a forum state"}\n\n') as client:
            await phone.follow(client, "/forums/1/me/stream")

    with pytest.raises(KeyError):
        asyncio.run(follow())
    assert phone.ended
    assert phone.first_event.is_set()


DRAWN = ('data: {"forum": 1, "open_polls": [7], "table_polls": [], "polls": '
         '[{"id": 7, "html": "<article data-poll=\\"7\\"></article>", "fresh": FRESH}]}\n\n')


def _phone_served(events: str, fetched: list[str]) -> httpx.AsyncClient:
    """A server whose stream sends ``events`` and stays open a moment, as a live one does, and
    whose list of polls answers each fetch (noted in ``fetched``)."""
    async def stream():
        yield events.encode()
        await asyncio.sleep(0.2)

    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/stream"):
            return httpx.Response(200, content=stream(),
                                  headers={"content-type": "text/event-stream"})
        fetched.append(request.headers.get("X-Requested-With"))
        return httpx.Response(200, text='<article data-poll="7"></article>')

    return httpx.AsyncClient(transport=httpx.MockTransport(respond), base_url="http://phone")


def _follow_phone(events: str) -> tuple[ForumStream, list[str]]:
    phone, fetched = ForumStream(redraw="/forums/1/me/polls"), []

    async def follow() -> None:
        async with _phone_served(events, fetched) as client:
            await phone.follow(client, "/forums/1/me/stream")

    asyncio.run(follow())
    return phone, fetched


def test_a_poll_drawn_in_its_event_shows_without_a_fetch():
    phone, fetched = _follow_phone(SNAPSHOT + DRAWN.replace("FRESH", "true"))
    assert set(phone.opened_at) == {7} and fetched == []


def test_a_poll_announced_without_a_drawing_shows_once_fetched():
    phone, fetched = _follow_phone(SNAPSHOT + OPENED)
    assert set(phone.opened_at) == {7} and fetched == ["fetch"]


def test_a_poll_someone_answered_before_is_fetched_though_drawn():
    phone, fetched = _follow_phone(SNAPSHOT + DRAWN.replace("FRESH", "false"))
    assert set(phone.opened_at) == {7} and fetched == ["fetch"]
