"""A Streamlit session over the browser's websocket protocol, for load benchmarks.

Speaks the protocol of the installed Streamlit (1.67): connect to ``/_stcore/stream`` with the
``streamlit`` subprotocol, send ``BackMsg.rerun_script`` with the page's script hash and the
widgets' states, read ``ForwardMsg`` until ``script_finished``. Like the browser it sends the state
of every widget it has changed on the page, runs a fragment's widgets as a fragment run, drops a
page's widget states when it follows a page link, and follows ``st.rerun``. It does not render and
does not send cached-message hashes, so the server sends every element in full (a little more work
than for a browser that has the large messages cached).

Used by ``bench/bench_load.py``; the message types are the installed Streamlit's own protobufs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass(frozen=True)
class Widget:
    kind: str  #: element type in the protobuf, e.g. "selectbox", "button_group"
    id: str  #: Streamlit's widget id ("$$ID-<hash>-<key>")
    options: tuple[str, ...]
    fragment_id: str  #: "" outside fragments


@dataclass
class Reply:
    """One script run as the client saw it."""

    seconds: float  #: from sending the request to ``script_finished``
    payload: bytes  #: the delta messages, concatenated (to look for expected text)
    exceptions: list[str] = field(default_factory=list)  #: exception elements and error dialogs shown
    metrics: dict[str, str] = field(default_factory=dict)  #: st.metric label -> value shown

    def shows(self, text: str) -> bool:
        return text.encode() in self.payload


def _key(widget_id: str) -> str:
    parts = widget_id.split("-", 2)  # "$$ID", hash, user key (which may contain "-")
    return parts[2] if len(parts) == 3 else widget_id


class StreamlitSession:
    """``async with StreamlitSession("http://127.0.0.1:8501") as s: await s.open("checks")``."""

    def __init__(self, base_url: str, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.ws: Any = None
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, Widget] = {}  # user key -> widget on the current page
        self._state: dict[str, WidgetState] = {}
        self._page_hash = ""

    async def __aenter__(self) -> StreamlitSession:
        url = self.base_url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], origin=self.base_url,
                                           max_size=None, open_timeout=self.timeout, ping_interval=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def open(self, path: str = "") -> Reply:
        """A browser opening ``/<path>``: the first run of the session."""
        return await self._run(page_name=path)

    async def goto(self, path: str) -> Reply:
        """Follow a page link to ``/<path>`` (the previous page's widget states are dropped)."""
        if path not in self.pages:
            raise KeyError(f"no page at /{path}; pages: {sorted(self.pages)}")
        self._page_hash = self.pages[path]
        self._state = {}
        return await self._run()

    async def set(self, key: str, value: Any) -> Reply:
        """Change the widget with user key ``key`` to ``value`` (in its wire format)."""
        if key not in self.widgets:
            raise KeyError(f"no widget {key!r} on this page; widgets: {sorted(self.widgets)}")
        w = self.widgets[key]
        st = WidgetState(id=w.id)
        if w.kind in ("selectbox", "radio", "text_input", "text_area"):
            st.string_value = str(value)
        elif w.kind in ("multiselect", "button_group"):
            st.string_array_value.data.extend(list(value))
        elif w.kind in ("number_input", "slider"):
            st.double_value = float(value)
        elif w.kind == "checkbox":
            st.bool_value = bool(value)
        elif w.kind == "button":
            st.trigger_value = True  # a click; the browser sends it once, not with later runs
        else:
            raise ValueError(f"widget {key!r}: kind {w.kind!r} is not supported by this client")
        self._state[w.id] = st
        try:
            return await self._run(fragment_id=w.fragment_id)
        finally:
            if w.kind == "button":
                self._state.pop(w.id, None)

    async def _run(self, page_name: str = "", fragment_id: str = "") -> Reply:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_script_hash = self._page_hash
        cs.page_name = page_name
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(self._state.values())
        t0 = time.perf_counter()
        deadline = t0 + self.timeout
        await self.ws.send(msg.SerializeToString())
        chunks: list[bytes] = []
        widgets: dict[str, Widget] = {}
        exceptions: list[str] = []
        metrics: dict[str, str] = {}
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f} s")
            data = await asyncio.wait_for(self.ws.recv(), left)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "delta":
                chunks.append(data)
                if fm.delta.WhichOneof("type") == "new_element":
                    self._element(fm, widgets, exceptions, metrics)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                if fm.navigation.page_script_hash:
                    self._page_hash = fm.navigation.page_script_hash
            elif kind == "page_not_found":  # the browser shows a "Page not found" dialog
                exceptions.append(f"'Page not found' dialog (page name {fm.page_not_found.page_name!r})")
            elif kind == "script_finished":
                if fm.script_finished in _DONE:
                    break
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun(): the next run follows on the same socket
                raise RuntimeError(f"script run failed (status {fm.script_finished})")
        seconds = time.perf_counter() - t0
        if fragment_id:
            self.widgets.update(widgets)
        else:
            self.widgets = widgets
        return Reply(seconds, b"".join(chunks), exceptions, metrics)

    @staticmethod
    def _element(fm: ForwardMsg, widgets: dict[str, Widget], exceptions: list[str],
                 metrics: dict[str, str]) -> None:
        el = fm.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            exceptions.append(f"{el.exception.type}: {el.exception.message[:200]}")
            return
        if kind == "metric":
            metrics[el.metric.label] = el.metric.body
            return
        if not kind:
            return
        sub = getattr(el, kind)
        wid = getattr(sub, "id", "") if hasattr(sub, "id") else ""
        if isinstance(wid, str) and wid.startswith("$$ID-"):
            opts = tuple(o if isinstance(o, str) else getattr(o, "content", str(o))
                         for o in getattr(sub, "options", ()))
            widgets[_key(wid)] = Widget(kind, wid, opts, fm.delta.fragment_id)
