"""Links never stay in the address (issue #18, finding 7; ui/link_carrier.py): what the page
tells the tab's script to keep, through Streamlit's AppTest (the script itself runs in
Chromium: tests/e2e/test_quick_exit_e2e.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storage import Store
from tests.ui.person_app import APP
from ui import link_carrier, session


@pytest.fixture
def modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(tmp_path / "links.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    told: list[str] = []
    monkeypatch.setattr(link_carrier, "draw", told.append)
    yield told


def opened(query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_a_new_link_is_kept_by_the_tab_and_never_put_in_the_address(modes: list[str]) -> None:
    app = opened({})
    assert set(modes) == {"none"}
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(app.radio[0].options[0]).run()
    token = app.session_state[session.STATE_KEY].actor.token
    assert token and f"keep_r_{token}" in modes
    assert not {session.RESUME_PARAM, session.DEVICE_PARAM} & set(app.query_params)
    # Deleting everything: the tab forgets the link (a reload must not try it again).
    app.switch_page("ui/pages/my_data.py").run()
    app.checkbox(key="delete:confirm:" + str(app.session_state[session.STATE_KEY].person_id)).check().run()
    modes.clear()
    app.button(key="delete:go").click().run()
    assert modes[-1] == "forget" and "Your answers have been deleted for good." in [s.value for s in app.success]


def test_every_full_run_tells_the_tab_its_link_once_the_questionnaire_pages_too(modes: list[str]) -> None:
    # Drawn at every full run even when nothing changed: after a replica dies, the new
    # session's first run must replace the container the tab still shows (its script runs
    # only in a new element), else the tab never hands its link back. One container a page:
    # a first answer chosen in the questions' fragment runs the whole page again (session.fragment).
    app = opened({})
    assert modes == ["none"]
    modes.clear()
    app.button(key="start:worth_it").click().run()  # the welcome page's run, then the questionnaire's
    assert modes == ["none", "none"]
    app.radio[0].set_value(app.radio[0].options[0]).run()
    token = app.session_state[session.STATE_KEY].actor.token
    modes.clear()
    app.run()
    assert modes == [f"keep_r_{token}"]
    modes.clear()
    app.switch_page("ui/pages/my_data.py").run()
    assert modes == [f"keep_r_{token}"]


def test_each_mode_is_a_new_body_so_the_tab_runs_the_script_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The frontend keeps a container's element in place when only its key changes (a page
    # that made a link where it had none), and runs a snippet's script only when the
    # element mounts or its body changes: the body must say the mode.
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(tmp_path / "links.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def carried(app: AppTest) -> list[str]:
        return [str(html.proto.body) for html in app.get("html") if "spark-link" in str(html.proto.body)]

    app = opened({})
    before = carried(app)
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(app.radio[0].options[0]).run()
    token = app.session_state[session.STATE_KEY].actor.token
    after = carried(app)
    assert before and after and set(before).isdisjoint(after)
    assert all(body.startswith(link_carrier.CARRY_LINK) for body in before + after)
    assert all(body.endswith(f'<i hidden data-mark="keep_r_{token}"></i>') for body in after)
    for hostile in ('"><script>alert(1)</script>', "", "a b", "x" * 81):
        with pytest.raises(ValueError):
            link_carrier.CARRY_LINK.marked(hostile)


def test_a_link_opened_stays_on_its_page_and_an_unknown_one_is_forgotten(modes: list[str], tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    person_id, token = store.create_person()
    store.set_progress(person_id, {"page": "results"})
    app = opened({session.RESUME_PARAM: token})
    # This run took the link from the address: no page change before the script replaced it.
    assert [t.value for t in app.title] == ["Spark Check"] and modes[-1] == f"keep_r_{token}"
    app.run()
    assert "My results" in [t.value for t in app.title]
    modes.clear()
    opened({session.RESUME_PARAM: "x" * 43})
    assert modes and set(modes) == {"forget"}


def has_exit(app: AppTest) -> bool:
    return any('id="spark-quick-exit"' in html.value for html in app.html)


def test_every_page_a_person_or_partner_sees_has_the_exit(modes: list[str], tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    _couple, first, token, code = store.create_couple_two_devices()
    store.save_answers(first, {"worth_it": {"safe": 0}}, {"worth_it": "1"})
    store.finish(first, "items")
    partner = store.join_couple(code).token
    assert token and partner
    _one, device, _people = store.create_couple_one_device()
    for param, value, pages in (
        (None, "", ("welcome", "worth_it", "intimacy", "results", "my_data", "counselor_login")),
        # The partner who is not safe, waiting; the other partner; a couple on one device.
        (session.RESUME_PARAM, token, ("couple_home", "comparison", "results", "my_data")),
        (session.RESUME_PARAM, partner, ("couple_home", "worth_it", "predictions", "share", "comparison")),
        (session.DEVICE_PARAM, device, ("couple_home", "intimacy", "predictions", "share", "comparison", "my_data")),
    ):
        app = opened({param: value} if param else {})
        for page in pages:
            app.switch_page(f"ui/pages/{page}.py").run()
            assert not app.exception and has_exit(app), (param, page)
