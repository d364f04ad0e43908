"""The counselor workspace through AppTest: the trend over two assessments, the roster's
search and paging, labels as plain text, and the Export page's CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from questions import default_content
from services import counselor as counselor_service
from storage.counselors import PAGE_SIZE, CounselorDesk
from storage.sessions import open_session
from tests.ui.counselor_app import (
    APP,
    PASSWORD,
    TIMEOUT,
    add_clients,
    add_couple,
    counselor_id,
    finished_assessment,
    log_in,
    page_text,
    state_of,
    tab,
)
from tests.ui.couple_app import take_turn
from ui import session
from ui.text import plain

CONTENT = default_content()
INTIMACY = CONTENT.questionnaire("intimacy")
SCALE_TITLES = {s.id: s.title for s in INTIMACY.scales}
MARK = "●"

#: Partner 1's answers in the second assessment. Everything else is the top answer
#: (100 on every scale), as in the first assessment. A scale's five items move in
#: steps of 5 points:
SECOND_VISIT = {
    "comm_heard": 1,  # communication: two items 100 -> 0, so 100 -> 60: -40, marked
    "comm_honest": 1,
    "nov_new": 3,  # novelty & play: 50 + 50 + 100 + 100 + 100 -> 80: -20, marked
    "nov_laugh": 3,
    "qt_regular": 3,  # quality time: 50 -> 90: -10, not marked
    "appr_thanked": 4,  # appreciation: 75 -> 95: -5, not marked
}
BIG = {"communication": "-40 ●", "novelty_play": "-20 ●"}
SMALL = {"quality_time": "-10", "appreciation": "-5"}


def run_in_office(app: AppTest, first: dict[str, int], second: dict[str, int]) -> None:
    """Start an in-office assessment from the couple's page and let both partners finish it
    (each consents; partner 1 shares scores, partner 2 shares items)."""
    tab(app, "Assessments")
    app.button(key="client:in_office").click().run()
    link = state_of(app).fresh_links["in_office"]
    token = link.split(f"{session.DEVICE_PARAM}=", 1)[1]
    couple = AppTest.from_file(APP, default_timeout=TIMEOUT)
    couple.query_params[session.DEVICE_PARAM] = token
    couple.run()
    assert "your counselor set up this check-up" in page_text(couple)
    couple.checkbox(key="consent:p1").check().run()
    couple.button(key="consent:go").click().run()
    couple = take_turn(couple, {}, first, share="scores")
    couple.button(key="home:handover").click().run()
    couple.checkbox(key="consent:p2").check().run()
    couple.button(key="consent:go").click().run()
    couple = take_turn(couple, {}, second, share="items")
    assert [t.value for t in couple.title] == ["Our comparison"]
    app.run()
    assert not app.exception


def facets(block: Any) -> dict[str, dict[str, Any]]:
    """The trend's one faceted chart: each facet's title ("Topic · Partner N") → its trace."""
    (chart,) = block.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert len(titles) == len(spec["data"])
    return dict(zip(titles, spec["data"], strict=True))


def roster_labels(app: AppTest) -> list[str]:
    return [t.value for t in app.text]


def search(app: AppTest, term: str) -> AppTest:
    app.text_input(key="roster:search").input(term).run()
    assert not app.exception
    return app


# --------------------------------------------------------------------------- the trend


def test_two_assessments_show_a_chart_per_scale_and_mark_only_big_changes(desk: CounselorDesk) -> None:
    app = log_in("ana")
    add_couple(app, "Couple T")
    run_in_office(app, {}, {})
    trend = tab(app, "Trend")
    assert "The trend appears after two finished assessments" in "\n".join(i.value for i in trend.info)
    assert not trend.get("plotly_chart")

    run_in_office(app, SECOND_VISIT, {})
    assert [t.value for t in app.title] == ["Couple"]
    trend = tab(app, "Trend")
    assert not trend.info
    # One faceted chart, topics x partners (not a chart per topic), its dates on every facet.
    shown = facets(trend)
    assert list(shown) == [f"{s.title} · Partner {slot}" for s in INTIMACY.scales for slot in (1, 2)]
    (chart,) = trend.get("plotly_chart")
    layout = json.loads(chart.proto.spec)["layout"]
    date_axes = [axis for name, axis in layout.items() if name.startswith("xaxis")]
    assert len(date_axes) == len(shown) and all(len(axis["tickvals"]) == 2 for axis in date_axes)
    assert f"{SCALE_TITLES['communication']}, Partner 1: -40" in chart.proto.alt  # its alt text names marked changes
    assert any(f"marked {MARK} only when it is 15 points or more" in c.value for c in trend.caption)

    (frame,) = trend.dataframe
    table = frame.value
    assert list(table.columns) == ["Topic", "Partner", "Date", "Score", "Change"]
    assert len(table) == len(INTIMACY.scales) * 2 * 2  # scales x partners x assessments
    changes = {(row["Topic"], row["Partner"]): row["Change"] for _, row in table.iterrows() if row["Change"] != ""}
    for scale_id, expected in {**BIG, **SMALL}.items():
        assert changes[(SCALE_TITLES[scale_id], "Partner 1")] == expected
    for scale_id in SMALL:
        assert MARK not in changes[(SCALE_TITLES[scale_id], "Partner 1")]
    marked = sorted(topic for (topic, _), change in changes.items() if MARK in change)
    assert marked == sorted(SCALE_TITLES[s] for s in BIG)
    # Partner 2 answered the same both times: no change anywhere, nothing marked.
    assert {change for (_, partner), change in changes.items() if partner == "Partner 2"} == {"+0"}
    # The first assessment has no change to show.
    assert (table["Change"] == "").sum() == len(INTIMACY.scales) * 2

    # The marked points are drawn bigger in the chart too.
    assert shown[f"{SCALE_TITLES['communication']} · Partner 1"]["marker"]["size"] == [7, 14]
    assert shown[f"{SCALE_TITLES['quality_time']} · Partner 1"]["marker"]["size"] == [7, 7]


# --------------------------------------------------------------------------- roster: paging and search


NUMBERED = [f"Couple {n:02d}" for n in range(1, 31)]


def test_roster_shows_a_page_of_25_with_pagination_and_search_narrows_it(desk: CounselorDesk) -> None:
    add_clients(desk, "ana", NUMBERED)
    app = log_in("ana")
    assert [t.value for t in app.title] == ["My couples"]
    assert "30 couples" in [c.value for c in app.caption]
    first_page = roster_labels(app)
    assert len(first_page) == PAGE_SIZE == 25
    assert sum(1 for b in app.button if b.label == "Open") == 25
    (pages,) = app.pagination
    assert pages.num_pages == 2 and pages.value == 1

    pages.select(2).run()
    second_page = roster_labels(app)
    assert len(second_page) == 5
    assert sorted(first_page + second_page) == NUMBERED  # every couple once, none twice
    assert app.pagination[0].value == 2

    fresh = log_in("ana")  # a search from the first page
    search(fresh, "couple 1")
    assert sorted(roster_labels(fresh)) == [f"Couple {n}" for n in range(10, 20)]
    assert "10 couples" in [c.value for c in fresh.caption]
    assert not fresh.pagination
    search(fresh, "  COUPLE   2 ")  # case and spacing don't matter
    assert sorted(roster_labels(fresh)) == [f"Couple {n}" for n in range(20, 30)]
    search(fresh, "07")
    assert roster_labels(fresh) == ["Couple 07"]
    assert "1 couple" in [c.value for c in fresh.caption]
    search(fresh, "nobody")
    assert roster_labels(fresh) == []
    assert "No couple matches that search." in page_text(fresh)
    search(fresh, "")
    assert len(roster_labels(fresh)) == 25 and fresh.pagination


def test_a_search_from_page_two_still_lists_the_matches(desk: CounselorDesk) -> None:
    add_clients(desk, "ana", NUMBERED)
    app = log_in("ana")
    app.pagination[0].select(2).run()
    assert len(roster_labels(app)) == 5
    search(app, "couple 1")
    assert "10 couples" in [c.value for c in app.caption]
    assert sorted(roster_labels(app)) == [f"Couple {n}" for n in range(10, 20)]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("%", ["100% fun"]),
        ("100%", ["100% fun"]),
        ("_", ["a_b"]),
        ("a_b", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("%_", []),
        ("100", ["100 fun", "100% fun"]),
    ],
)
def test_roster_search_takes_percent_and_underscore_literally(
    desk: CounselorDesk, term: str, expected: list[str]
) -> None:
    add_clients(desk, "ana", ["100% fun", "100 fun", "a_b", "axb", "back\\slash", "plain"])
    app = log_in("ana")
    search(app, term)
    assert sorted(roster_labels(app)) == expected
    if not expected:
        assert "No couple matches that search." in page_text(app)


def test_roster_search_never_finds_another_counselors_couples(desk: CounselorDesk) -> None:
    add_clients(desk, "ana", ["The Rivers", "Couple 01"])
    app = log_in("ben")
    assert "No couples yet." in page_text(app)
    for term in ("Rivers", "couple", "%", "_", "e"):
        search(app, term)
        assert roster_labels(app) == []
        assert "No couple matches that search." in page_text(app)
        assert "Rivers" not in page_text(app)


# --------------------------------------------------------------------------- labels are plain text

LABEL = "**x** <i>y</i>"


def rendered_markdown(app: AppTest) -> list[str]:
    """Every element whose value Streamlit renders as Markdown (or HTML-capable Markdown)."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "error", "warning", "success")
    return [str(e.value) for kind in kinds for e in app.get(kind)]


def assert_label_is_plain(app: AppTest) -> None:
    assert LABEL in [t.value for t in app.text]  # st.text: shown exactly, never interpreted
    for value in rendered_markdown(app):
        assert "<i>y</i>" not in value and "**x**" not in value, value


def test_a_label_with_markdown_and_html_is_plain_text_on_the_roster_and_the_couple_page(desk: CounselorDesk) -> None:
    app = log_in("ana")
    add_couple(app, LABEL)
    assert_label_is_plain(app)  # the couple's page
    app.switch_page("ui/pages/roster.py").run()
    assert [t.value for t in app.title] == ["My couples"]
    assert_label_is_plain(app)
    search(app, "<i>")
    assert roster_labels(app) == [LABEL]
    search(app, "**x**")
    assert roster_labels(app) == [LABEL]


def test_the_open_buttons_tooltip_shows_the_label_literally(desk: CounselorDesk) -> None:
    add_clients(desk, "ana", [LABEL])
    app = log_in("ana")
    (open_button,) = (b for b in app.button if b.label == "Open")
    assert open_button.help in ("", f"Open {plain(LABEL)}")


def test_a_counselor_name_with_markdown_is_escaped_in_captions(desk: CounselorDesk) -> None:
    desk.add_counselor("cat", PASSWORD, "**Cat** <b>B</b>")
    app = log_in("cat")
    captions = [c.value for c in app.caption]
    assert f"Logged in as {plain('**Cat** <b>B</b>')}. Only you can see this roster." in captions
    assert f"Counselor: {plain('**Cat** <b>B</b>')}" in [c.value for c in app.sidebar.caption]


# --------------------------------------------------------------------------- the export CSV
#
# AppTest can't click a download: the Export page's button holds a *deferred* callable
# (``data=lambda: scores_csv(...)``) that Streamlit runs only when a browser asks for the
# file. Two checks instead:
#  1. ``scores_csv`` itself needs no script run: it reads the database through
#     ``ui.session.desk()``, which takes SPARK_CHECK_SQLITE_PATH from the environment. So
#     it is called directly with the logged-in session's state, on data written through
#     storage (consent, answers, share levels), and its CSV is checked against what the
#     couples agreed to.
#  2. The page really serves that CSV: the callable the button registers with Streamlit's
#     media file manager is recorded (a wrapper around ``MediaFileManager.add_deferred``,
#     a Streamlit internal) and run; its output must equal ``scores_csv``'s.
# The real download in Chromium is covered by tests/e2e/test_counselor_e2e.py.


def test_the_export_csv_holds_only_consented_shared_scores_with_labels_neutralised(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.runtime.media_file_manager import MediaFileManager

    ana, ben = counselor_id(desk, "ana"), counselor_id(desk, "ben")
    formula = '=HYPERLINK("http://x")'
    clients = add_clients(desk, "ana", [formula, LABEL, "Not consented", "Unfinished"])
    # Partner 1 shares scores, partner 2 shares nothing: only partner 1's rows.
    finished_assessment(desk, ana, clients[formula], {1: "scores", 2: "nothing"}, {1, 2})
    # Both share items, but partner 2 never agreed to share with the counselor.
    finished_assessment(desk, ana, clients[LABEL], {1: "items", 2: "items"}, {1})
    finished_assessment(desk, ana, clients["Not consented"], {1: "scores", 2: "scores"}, set())
    finished_assessment(desk, ana, clients["Unfinished"], {1: "scores", 2: "scores"}, {1, 2}, finish=False)
    bens = desk.add_client(ben, "Ben's couple")
    finished_assessment(desk, ben, bens, {1: "scores", 2: "scores"}, {1, 2})

    recorded: dict[str, tuple[Any, str | None, str | None]] = {}
    original = MediaFileManager.add_deferred

    def recording(
        self: MediaFileManager, data_callable: Any, mimetype: str | None, coordinates: str, *args: Any, **kw: Any
    ) -> str:
        file_id = original(self, data_callable, mimetype, coordinates, *args, **kw)
        recorded[file_id] = (data_callable, mimetype, kw.get("file_name", args[0] if args else None))
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)

    app = log_in("ana")
    app.switch_page("ui/pages/export.py").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Export"]
    (button,) = app.get("download_button")
    assert button.proto.label == "All scores (CSV)"
    served, mimetype, file_name = recorded[button.proto.deferred_file_id]
    assert (mimetype, file_name) == ("text/csv", "spark-check-scores.csv")

    text = counselor_service.Counselor(desk.store, open_session(desk.store, ana)).scores_csv(CONTENT)
    assert served() == text
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["Couple", "Assessment", "Assessment date", "Partner", "Topic", "Score (0-100)"]
    titles = sorted(s.title for s in INTIMACY.scales)
    by_couple: dict[str, list[list[str]]] = {}
    for row in rows:
        by_couple.setdefault(row[0], []).append(row)
    assert set(by_couple) == {"'" + formula, LABEL}  # the formula label neutralised; nobody else's couples
    for label, couple_rows in by_couple.items():
        assert {row[1] for row in couple_rows} == {"1"}, label
        assert {row[3] for row in couple_rows} == {"Partner 1"}, label
        assert sorted(row[4] for row in couple_rows) == titles
        assert {float(row[5]) for row in couple_rows} == {100.0}
    assert "Ben" not in text and "Not consented" not in text and "Unfinished" not in text
    assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())


# --------------------------------------------------------------------------- the couple's page


def test_starting_in_the_office_lists_the_new_assessment_at_once(desk: CounselorDesk) -> None:
    app = log_in("ana")
    add_couple(app, "Couple N")
    app.button(key="client:in_office").click().run()
    assert "in_office" in state_of(app).fresh_links
    text = page_text(app)
    assert "No assessments yet." not in text
    assert any(m.value.startswith("**Assessment 1**") for m in app.markdown)


def test_the_presentation_view_never_shows_another_couples_results(desk: CounselorDesk) -> None:
    ana = counselor_id(desk, "ana")
    clients = add_clients(desk, "ana", ["First couple", "Second couple"])
    finished_assessment(desk, ana, clients["First couple"], {1: "scores", 2: "scores"}, {1, 2})
    app = log_in("ana")
    app.query_params["client"] = clients["First couple"]
    app.switch_page("ui/pages/client.py").run()
    assert "First couple" in [t.value for t in app.text]
    next(b for b in app.button if b.label == "Presentation view").click().run()
    assert [t.value for t in app.title] == ["Where you stand, together"]
    assert app.get("plotly_chart")

    # The counselor moves on to the second couple, then opens the presentation view.
    app.query_params["client"] = clients["Second couple"]
    app.switch_page("ui/pages/client.py").run()
    assert "Second couple" in [t.value for t in app.text]
    assert "No assessments yet." in page_text(app)
    app.switch_page("ui/pages/presentation.py").run()
    assert not app.get("plotly_chart"), "the first couple's chart is on the second couple's screen"
    assert [t.value for t in app.title] == ["Presentation view"]


def test_the_trend_follows_an_answer_changed_after_it_was_drawn(desk: CounselorDesk) -> None:
    """The trend's scores are kept between reruns (``services.counselor.CouplePage.trend_points``, memoised per session);
    an answer changed since, by a partner who consented, is shown at the next rerun."""
    ana = counselor_id(desk, "ana")
    client = add_clients(desk, "ana", ["Couple K"])["Couple K"]
    finished_assessment(desk, ana, client, {1: "scores", 2: "scores"}, {1, 2})
    second = finished_assessment(desk, ana, client, {1: "scores", 2: "scores"}, {1, 2})
    app = log_in("ana")
    app.query_params["client"] = client
    app.switch_page("ui/pages/client.py").run()
    communication = SCALE_TITLES["communication"]

    def partner_one_scores() -> list[float]:
        (frame,) = tab(app, "Trend").dataframe
        rows = frame.value
        return list(rows[(rows["Topic"] == communication) & (rows["Partner"] == "Partner 1")]["Score"])

    assert partner_one_scores() == [100, 100]
    app.run()  # a rerun with nothing changed keeps the same figures
    assert partner_one_scores() == [100, 100]
    record = desk.store.couple(second)
    assert record is not None
    partner_one = record.partners[0].person_id
    desk.store.reopen(partner_one)  # a finished partner's answers change only after reopening
    for item in ("comm_heard", "comm_honest"):
        desk.store.save_answer(partner_one, "intimacy", INTIMACY.version, item, 1)
    desk.store.finish(partner_one, "scores")
    assert partner_one_scores() == [100, 60]
