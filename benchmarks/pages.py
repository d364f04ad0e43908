"""The app's pages in AppTest, and the same pages drawn plainly.

:func:`reach` clicks and answers its way (seeded answers, always on the safe side) from a fresh AppTest
of app.py to one page. :func:`plain_script` writes a Streamlit script that draws what AppTest recorded
for it through the public ``st.*`` API (the same texts, keys, selections, figures, dataframes, sidebar
navigation) and none of the app. An element it does not know raises: a page that grows a new kind of
element is noticed, not measured against a thinner baseline."""

from __future__ import annotations

import contextlib
import cProfile
import functools
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from benchmarks.common import APP
from questions.loader import default_content

TIMEOUT = 120


def check(app: AppTest) -> AppTest:
    if app.exception:
        raise RuntimeError(f"the app raised: {[e.message for e in app.exception]}")
    return app


def titles(app: AppTest) -> list[str]:
    return [str(t.value) for t in app.title]


def new_app() -> AppTest:
    return check(AppTest.from_file(str(APP), default_timeout=TIMEOUT).run())


def answer_questionnaire(app: AppTest, qid: str, rng: random.Random, *, stop_at: int | None = None) -> None:
    """Answer every section (or up to section ``stop_at``), clicking "Next" in between."""
    questionnaire = default_content().questionnaire(qid)
    slot = app.session_state["spark_check"].widget_slot
    for index in range(len(questionnaire.sections) if stop_at is None else stop_at):
        for radio in sorted(
            (r for r in app.radio if (r.key or "").split(":")[1:2] == [qid]), key=lambda r: r.key or ""
        ):  # shuffled
            item = questionnaire.item((radio.key or "").split(":")[2])
            rset = questionnaire.response_set_of(item)
            values = [rset.min_value] * 3 + [rset.max_value] if item.kind == "checklist" else list(rset.values)
            radio.set_value(rng.choice([v for v in values if not (item.safety and v in item.unsafe_values)]))
        check(app.run())
        if index < len(questionnaire.sections) - 1:
            check(app.button(key=f"next:{qid}:{slot}").click().run())


#: The pages measured: label -> (its name in ui.pages_registry, its title).
PAGES = {
    "welcome": ("welcome", "Spark Check"),
    "worth_it (questionnaire)": ("worth_it", "Is it worth it?"),
    "intimacy, first part (questionnaire)": ("intimacy", "Is our intimacy fading?"),
    "intimacy, last part (questionnaire)": ("intimacy", "Is our intimacy fading?"),
    "results": ("results", "My results"),
    "comparison": ("comparison", "Our comparison"),
}


def without_cookies() -> mock._patch[Callable[[], None]]:
    """AppTest's mocked runtime hands ``st.context.cookies`` a MagicMock, which the app takes for a
    counselor's login cookie (and draws the snippet that forgets it): this patch gives it none."""
    return mock.patch("streamlit.runtime.context._get_client_context", new=lambda: None)


@without_cookies()
def reach(label: str, rng: random.Random) -> AppTest:
    """A fresh AppTest of app.py, clicked and answered to the page ``label`` of :data:`PAGES`."""
    app = new_app()
    if label == "comparison":  # a couple on one device: both take their turn
        check(app.button(key="couple:one_device").click().run())
        for _partner in (1, 2):
            slot = app.session_state["spark_check"].widget_slot
            check(app.button(key="home:worth_it").click().run())
            for qid in ("worth_it", "intimacy"):
                answer_questionnaire(app, qid, rng)
                check(app.button(key=f"finish:{qid}:{slot}").click().run())
            for radio in app.radio:
                radio.set_value(rng.randint(1, 5))
            check(check(app.run()).button(key="predictions:next").click().run())
            app.radio(key=f"share:choice:{slot}").set_value("items")
            check(check(app.run()).button(key="share:done").click().run())
            if titles(app) != ["Our comparison"]:
                check(app.button(key="home:handover").click().run())
    elif label == "results":
        check(app.button(key="start:worth_it").click().run())
        answer_questionnaire(app, "worth_it", rng)
        check(app.switch_page("ui/pages/intimacy.py").run())
        app._page_hash = ""  # AppTest would request the switch_page() target on every later run; a browser doesn't
        answer_questionnaire(app, "intimacy", rng)
        check(app.button(key="finish:intimacy:solo").click().run())
    elif label != "welcome":
        check(app.button(key=f"start:{PAGES[label][0]}").click().run())
        if label.startswith("intimacy, last"):
            sections = len(default_content().questionnaire("intimacy").sections)
            answer_questionnaire(app, "intimacy", rng, stop_at=sections - 1)
    if titles(app) != [PAGES[label][1]]:
        raise RuntimeError(f"reaching {label!r} ended on {titles(app)}")
    return app


def signature(node: Any) -> list[str]:
    """The kinds of everything drawn (by an AppTest: in its main area), in order: the app and its plain page must agree."""
    node = node.main if isinstance(node, AppTest) else node
    return [kind for child in getattr(node, "children", {}).values() for kind in (child.type, *signature(child))]


@dataclass
class Runs:
    """What :func:`server_like_runs` saw of each script run: its duration (``ScriptRunner._run_script``,
    as a server times it), each message sent with the time since the run began, and the SQL sent."""

    durations: list[float] = field(default_factory=list)
    sent: list[list[tuple[ForwardMsg, float]]] = field(default_factory=list)
    sql: list[list[str]] = field(default_factory=list)
    start: float = 0.0  # of the run going on
    profiler: cProfile.Profile | None = None  # enabled in each script run while set

    def clear(self) -> None:
        for found in (self.durations, self.sent, self.sql):
            found.clear()


@contextlib.contextmanager
def server_like_runs() -> Iterator[Runs]:
    """AppTest with one ScriptCache for all runs, as a server has (AppTest compiles afresh each run),
    and no browser cookie; yields what it sees of each script run (:class:`Runs`)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    from streamlit.testing.v1 import app_test, local_script_runner
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    from storage import database

    cache, runs, original, enqueue = ScriptCache(), Runs(), LocalScriptRunner._run_script, ScriptRunContext.enqueue
    rows_from_driver = database.driver_rows
    text_of = functools.cache(str)  # compiled once: it would be a third of the run it counts in

    def timed(self: LocalScriptRunner, rerun_data: Any) -> None:
        runs.sent.append([])
        runs.sql.append([])
        runs.start = time.perf_counter()
        try:
            with runs.profiler or contextlib.nullcontext():
                original(self, rerun_data)
        finally:
            runs.durations.append(time.perf_counter() - runs.start)

    def sent(self: ScriptRunContext, msg: ForwardMsg) -> None:
        enqueue(self, msg)
        if runs.sent:
            runs.sent[-1].append((msg, time.perf_counter() - runs.start))

    def statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if runs.sql:
            runs.sql[-1].append(statement)

    def driver_rows(engine: Engine, query: Any, params: Any) -> Any:  # a statement no event sees
        statement(None, None, text_of(query))
        return rows_from_driver(engine, query, params)

    event.listen(Engine, "before_cursor_execute", statement)
    try:
        with (
            without_cookies(),
            mock.patch.object(app_test, "ScriptCache", lambda: cache),
            mock.patch.object(local_script_runner, "ScriptCache", lambda: cache),
            mock.patch.object(LocalScriptRunner, "_run_script", timed),
            mock.patch.object(ScriptRunContext, "enqueue", sent),
            mock.patch.object(database, "driver_rows", driver_rows),
        ):
            yield runs
    finally:
        event.remove(Engine, "before_cursor_execute", statement)


# --------------------------------------------------------------------------- the plain scripts

HEADER = '''"""The app's pages drawn plainly: generated by benchmarks/pages.py. Do not edit."""

import functools
import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Spark Check", page_icon="✨", layout="centered")


@functools.cache  # built once, as the app builds its figures once a session (ui/memo.py)
def _figure(spec: str) -> go.Figure:
    return go.Figure(json.loads(spec))


@functools.cache
def _frame(split: str) -> pd.DataFrame:
    return pd.DataFrame(**{key: value for key, value in json.loads(split).items() if key in ("data", "columns")})
'''


def _key(element_id: str) -> str | None:
    """The key a widget was given, from its element id ``$$ID-<hash>-<key>``."""
    parts = element_id.split("-", 2)
    return parts[2] if element_id.startswith("$$ID-") and len(parts) == 3 and parts[2] != "None" else None


def _kwargs(**values: Any) -> str:
    return "".join(f", {name}={value!r}" for name, value in values.items() if value not in (None, "", False))


def _figure_spec(spec: str) -> str:
    figure = json.loads(spec)
    figure.get("layout", {}).pop("template", None)  # every new figure gets it, the app's too
    return json.dumps(figure)


def _element(node: Node) -> str:
    kind, p = node.type, node.proto
    if kind in ("title", "header", "subheader"):
        return f"st.{kind}({p.body!r})"
    if kind == "divider":
        return "st.divider()"
    if kind in ("markdown", "caption"):
        return f"st.{kind}({p.body!r}{_kwargs(unsafe_allow_html=p.allow_html)})"
    if kind == "html":  # the app's constant snippets (ui/browser.py)
        return f"st.html({p.body!r}{_kwargs(unsafe_allow_javascript=p.unsafe_allow_javascript)})"
    if kind in ("info", "success", "warning", "error"):
        return f"st.{kind}({p.body!r}{_kwargs(icon=p.icon)})"
    if kind == "progress":
        return f"st.progress({p.value / 100!r}, text={p.text!r})"
    if kind == "code":
        return f"st.code({p.code_text!r}, language=None)"
    if kind == "radio":
        extra = _kwargs(horizontal=p.horizontal, help=p.help, key=_key(p.id))
        return f"st.radio({p.label!r}, options={list(p.options)!r}, index={getattr(node, 'index', None)!r}{extra})"
    if kind == "button_group":
        options = [option.content for option in p.options]
        default = [options[i] for i in getattr(node, "indices", []) or []]
        return f"st.pills({p.label!r}, {options!r}, selection_mode='multi', default={default!r}, key={_key(p.id)!r})"
    if kind == "text_input":
        return f"st.text_input({p.label!r}, value={p.default!r}{_kwargs(max_chars=p.max_chars, key=_key(p.id))})"
    if kind == "button" and p.is_form_submitter:
        return f"st.form_submit_button({p.label!r}{_kwargs(type=p.type if p.type != 'secondary' else None)})"
    if kind == "button":
        extra = _kwargs(type=p.type if p.type != "secondary" else None, disabled=p.disabled, help=p.help)
        return f"st.button({p.label!r}, key={_key(p.id)!r}{extra})"
    if kind == "download_button":
        return f"st.download_button({p.label!r}, data=b'', file_name='x', on_click='ignore', key={_key(p.id)!r})"
    if kind == "link_button":
        return f"st.link_button({p.label!r}, {p.url!r})"
    if kind == "dataframe":
        return f"st.dataframe(_frame({node.value.to_json(orient='split', index=False)!r}), hide_index=True)"  # type: ignore[union-attr]  # a dataframe element has a value
    if kind == "plotly_chart":
        config = json.loads(p.config or "{}")
        return (
            f"st.plotly_chart(_figure({_figure_spec(p.spec)!r}), config={config!r}{_kwargs(key=_key(p.id), alt=p.alt)})"
        )
    raise NotImplementedError(f"no plain version of a {kind!r} element yet")


def _body(node: Node, depth: int, lines: list[str]) -> None:
    children = list(getattr(node, "children", {}).values())
    if not children:
        lines.append("    " * depth + "pass")
    for child in children:
        pad, p = "    " * depth, child.proto
        grandchildren = list(getattr(child, "children", {}).values())
        if not isinstance(child, Block):
            lines.append(pad + _element(child))
        elif child.type == "tab_container" or (grandchildren and all(c.type == "column" for c in grandchildren)):
            weights = [float(getattr(getattr(c.proto, "column", None), "weight", 1.0)) or 1.0 for c in grandchildren]
            call = f"st.tabs({[tab.label for tab in grandchildren]!r})" if child.type == "tab_container" else None
            name = f"parts{len(lines)}"
            lines.append(f"{pad}{name} = {call or f'st.columns({weights!r})'}")
            for index, part in enumerate(grandchildren):
                lines.append(f"{pad}with {name}[{index}]:")
                _body(part, depth + 1, lines)
        elif child.type in ("flex_container", "expander", "form"):
            if child.type == "form":
                lines.append(f"{pad}with st.form({p.form.form_id!r}, border={p.form.border!r}):")
            elif child.type == "flex_container":
                lines.append(f"{pad}with st.container({'border=True' if p.flex_container.border else ''}):")
            else:
                e = getattr(p, "expandable", p)  # AppTest hands over the Expandable itself
                lines.append(f"{pad}with st.expander({e.label!r}, expanded={bool(e.expanded)!r}):")
            _body(child, depth + 1, lines)
        else:
            raise NotImplementedError(f"no plain version of a {child.type!r} block yet")


def plain_script(pages: dict[str, AppTest], page_name: str) -> str:
    """One script drawing each page in ``pages`` (label -> AppTest on it) plainly, with the app's sidebar
    navigation; which page is drawn is the query parameter ``page`` (the first one when it is absent)."""
    from ui import pages_registry

    first = next(iter(pages.values()))
    lines = [HEADER]
    for number, app in enumerate(pages.values()):
        lines += ["", "", f"def page_{number}() -> None:"]
        _body(app.main, 1, lines)
    labels = list(pages)
    lines += ["", "", f"PAGES = {{{', '.join(f'{label!r}: page_{n}' for n, label in enumerate(labels))}}}"]
    lines += ["", "", "def page() -> None:", "    PAGES.get(st.query_params.get('page', ''), page_0)()", ""]
    navigation = []
    for number, name in enumerate(pages_registry.page_names(first.session_state["spark_check"])):
        spec = pages_registry.SPECS[name]
        if name == page_name:
            navigation.append(f"    st.Page(page{_kwargs(title=spec.title, icon=spec.icon, default=True)}),")
        else:  # listed in the sidebar, never run
            lines += ["", f"def elsewhere_{number}() -> None:", "    pass", ""]
            path = spec.url_path or f"page-{number}"
            navigation.append(
                f"    st.Page(elsewhere_{number}{_kwargs(title=spec.title, icon=spec.icon, url_path=path)}),"
            )
    return "\n".join([*lines, "", "st.navigation([", *navigation, "]).run()", ""])
