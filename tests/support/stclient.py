"""A Streamlit client that speaks the browser's own protocol over ``/_stcore/stream``.

What the frontend (Streamlit 1.67's ``index.*.js``) does, and this client does too:

* it first GETs ``/_stcore/health``, which sets the ``_streamlit_xsrf`` cookie
  (XSRF protection is on in ``.streamlit/config.toml``), then opens the
  websocket with that cookie, a same-origin ``Origin`` header and the
  subprotocols ``["streamlit", <xsrf cookie>]``; no server option is turned off;
* it keeps every cookie it is given, as a browser does: behind HAProxy
  (``deploy/haproxy.cfg``) the health check's answer sets the sticky cookie
  too, and the websocket that follows carries it to the same replica
  (:attr:`Session.cookies`; a session can also start with one, to be pinned);
* every interaction is a ``BackMsg`` with ``rerun_script`` = ``ClientState``:
  the current query string, ``page_script_hash`` (empty on the first load,
  then the one the last ``new_session`` named), ``context_info``, and
  ``widget_states`` holding every widget's current value (a radio's is its
  option's label as ``string_value``; a click is a one-off ``trigger_value``);
* the server answers with ``ForwardMsg``\\s: ``new_session`` when a run starts,
  a ``delta`` per element (widgets carry their ``id``, ``$$ID-<hash>-<key>``,
  which is how a widget is found by its key), ``page_info_changed`` when the
  script changes the query string, and ``script_finished``; a run stopped
  for a rerun (``st.rerun``, ``st.switch_page``) finishes early and another
  one follows, so an interaction is over at the first run that finishes
  successfully;
* after a run, widgets that were not drawn are forgotten;
* a widget drawn inside an ``st.fragment`` carries the fragment's id on its
  ``delta``; changing it sends that ``fragment_id`` in the ``ClientState``, the
  server reruns the fragment alone (no ``new_session``) and finishes with
  ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY``; only that fragment's widgets are
  replaced, and the rest of the page stays as it was.

One difference, stated: the browser tells the server which big messages it
has cached (``cached_message_hashes``) so the server may send a reference
instead; this client caches nothing, so the server sends every message in
full. That costs the server a little more sending, never less work.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

#: The Streamlit this client speaks the protocol of (requirements.txt pins it; a test checks both).
STREAMLIT_VERSION = "1.67.0"
XSRF_COOKIE = "_streamlit_xsrf"
SUCCESS = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


class ProtocolError(Exception):
    """The app did not answer as a browser would expect (an exception, a missing widget, a closed socket)."""


def require_loopback(url: str) -> None:
    """Load is only ever sent to this machine."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"refusing to send load to {host!r}: only loopback addresses")


@dataclass
class Widget:
    kind: str
    id: str
    label: str
    options: list[str]
    #: The st.fragment it was drawn in ("" for the page itself).
    fragment_id: str = ""

    @property
    def key(self) -> str | None:
        if self.id.startswith("$$ID-"):
            parts = self.id.split("-", 2)
            if len(parts) == 3:
                return parts[2]
        return None


@dataclass
class Page:
    """What the last finished run drew."""

    title: str = ""
    widgets: list[Widget] = field(default_factory=list)
    elements: int = 0

    def widget(self, key: str) -> Widget:
        for widget in self.widgets:
            if widget.key == key:
                return widget
        raise ProtocolError(f"no widget with key {key!r} on the page {self.title!r}")

    def has(self, key: str) -> bool:
        return any(widget.key == key for widget in self.widgets)


#: The key of the container that tells the tab's script which link to keep (ui/link_carrier.py draw).
_KEEP_LINK = re.compile(r"spark_link_.*_(?:keep|mine)_([rdj])_([A-Za-z0-9_-]{4,64})$")


class Session:
    """One browser tab, as far as the server can tell."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, cookies: dict[str, str] | None = None) -> None:
        require_loopback(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        #: The cookies this tab holds (name -> value), as the server set them.
        self.cookies: dict[str, str] = dict(cookies or {})
        self.page = Page()
        self.page_script_hash = ""
        self.query_string = ""
        #: The link the page gave this tab to keep (ui/link_carrier.py), as ``r=TOKEN``: a
        #: browser's script would keep it in the tab, never in the address.
        self.link = ""
        self._states: dict[str, WidgetState] = {}
        self._socket: ClientConnection | None = None
        self.bytes_received = 0

    async def connect(self) -> None:
        await asyncio.to_thread(self._health)
        cookie = self.cookies.get(XSRF_COOKIE)
        parts = urllib.parse.urlsplit(self.base_url)
        headers = {"Cookie": self._cookie_header()} if self.cookies else {}
        self._socket = await connect(
            f"ws://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit", cookie or "PLACEHOLDER_AUTH_TOKEN"],  # type: ignore[list-item]
            additional_headers=headers,
            origin=f"http://{parts.netloc}",  # type: ignore[arg-type]
            max_size=None,
            compression=None,
            open_timeout=self.timeout,
        )
        sock = self._socket.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _health(self) -> None:
        """GET the health endpoint, as the frontend does first; keep the cookies it sets."""
        request = urllib.request.Request(f"{self.base_url}/_stcore/health")
        if self.cookies:
            request.add_header("Cookie", self._cookie_header())
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    # ------------------------------------------------------------------ interactions

    async def load(self) -> float:
        """The first run, as when the page opens. Returns the round trip in seconds."""
        return await self._rerun([])

    async def click(self, key: str) -> float:
        widget = self.page.widget(key)
        return await self._rerun([WidgetState(id=widget.id, trigger_value=True)], widget.fragment_id)

    async def choose(self, key: str, option: str) -> float:
        widget = self.page.widget(key)
        if option not in widget.options:
            raise ProtocolError(f"{key!r} has no option {option!r}")
        self._states[widget.id] = WidgetState(id=widget.id, string_value=option)
        return await self._rerun([], widget.fragment_id)

    async def _rerun(self, triggers: list[WidgetState], fragment_id: str = "") -> float:
        if self._socket is None:
            raise ProtocolError("not connected")
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.base_url}/"
        if fragment_id:
            state.fragment_id = fragment_id
        for widget_state in [*self._states.values(), *triggers]:
            state.widget_states.widgets.add().CopyFrom(widget_state)
        start = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        await asyncio.wait_for(self._until_finished(fragment_id), self.timeout)
        return time.perf_counter() - start

    async def _until_finished(self, fragment_id: str = "") -> None:
        assert self._socket is not None
        # A fragment run redraws its own widgets only: the rest of the page stays.
        kept = [w for w in self.page.widgets if fragment_id and w.fragment_id != fragment_id]
        page = Page(title=self.page.title, widgets=kept) if fragment_id else Page()
        while True:
            data = await self._socket.recv()
            if isinstance(data, str):
                raise ProtocolError("a text frame from the server")
            self.bytes_received += len(data)
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                if not fragment_id:  # a fragment run starts with new_session too, and keeps the page
                    page = Page()
                self.page_script_hash = message.new_session.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "delta":
                if message.delta.WhichOneof("type") == "add_block":
                    self._read_link(message.delta.add_block.id)
                self._read_delta(message, page)
            elif kind == "script_finished":
                status = message.script_finished
                if status in SUCCESS:
                    self.page = page
                    drawn = {w.id for w in page.widgets}
                    self._states = {i: s for i, s in self._states.items() if i in drawn}
                    return
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("the script did not compile")
                # FINISHED_EARLY_FOR_RERUN: the next run follows, and it is the whole page's.
                fragment_id = ""

    def _read_link(self, block_id: str) -> None:
        if found := _KEEP_LINK.search(block_id):
            param = {"r": "r", "d": "d", "j": "join"}[found[1]]
            self.link = f"{param}={found[2]}"

    @staticmethod
    def _read_delta(message: ForwardMsg, page: Page) -> None:
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        page.elements += 1
        proto: Any = getattr(element, kind)
        if kind == "exception":
            raise ProtocolError(f"the app raised {proto.type}: {proto.message}")
        if kind == "heading" and proto.tag == "h1" and not page.title:
            page.title = proto.body
        element_id = getattr(proto, "id", "")
        if element_id and kind in ("radio", "button", "button_group", "download_button", "selectbox", "checkbox"):
            options = list(getattr(proto, "options", []))
            labels = [o.content if hasattr(o, "content") else str(o) for o in options]
            page.widgets.append(
                Widget(kind, element_id, getattr(proto, "label", ""), labels, fragment_id=delta.fragment_id)
            )
