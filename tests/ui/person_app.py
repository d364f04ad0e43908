"""A person's AppTest helpers, shared by the ui tests (the database fixture, ``db_path``,
is in tests/ui/conftest.py): the app, its session state, a fresh page load, a page's
words, and walking the intimacy questionnaire."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from questions import default_content
from ui import session

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


def new_app(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.run()


def state_of(app: AppTest) -> session.SessionData:
    return app.session_state[session.STATE_KEY]


def texts(app: AppTest) -> str:
    parts = [e.value for e in (*app.title, *app.subheader, *app.markdown, *app.caption, *app.info, *app.error)]
    parts += [e.value for e in (*app.warning, *app.success)]
    return "\n".join(str(p) for p in parts)


def walk_intimacy(app: AppTest, pick: str, unsafe: bool = False) -> AppTest:
    """Answer the intimacy questionnaire section by section: ``pick`` "min" or "max" (the
    other end for reverse-keyed items) or "straight" (the top answer everywhere); the safety
    items safely unless ``unsafe``, the checklist at its lowest."""
    app.button(key="start:intimacy").click().run()
    sections = default_content().questionnaire("intimacy").sections
    for index, _section in enumerate(sections):
        for radio in app.radio:
            _, qid, item_id, _ = radio.key.split(":")
            questionnaire = default_content().questionnaire(qid)
            item = questionnaire.item(item_id)
            rset = questionnaire.response_set_of(item)
            if item.safety:
                value = item.unsafe_values[0] if unsafe else next(v for v in rset.values if v not in item.unsafe_values)
            elif item.kind == "checklist":
                value = rset.min_value
            elif pick == "straight":  # "Very true" to everything, reverse-keyed statements too
                value = rset.max_value
            else:
                value = rset.max_value if (pick == "max") != item.reverse else rset.min_value
            radio.set_value(value)
        app.run()
        assert not app.exception
        if index < len(sections) - 1:
            app.button(key="next:intimacy:solo").click().run()
    return app
