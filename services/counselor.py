"""A counselor's work: logging in, the roster, starting assessments, the links of a
homework assessment, notes and homework, the consented comparisons, the trend and the
CSV export.

A :class:`Counselor` is opened from a verified identity, the token of a counselor's
login (storage/sessions.py), and re-checks it on every call (one indexed lookup: the
login live, not revoked, idle or expired, the account enabled); otherwise it raises
``LoginEnded`` and reads or changes nothing. It acts only on that counselor's couples:
storage checks ownership in each query. What the counselor may see of a partner (on a
shared screen, or privately) is decided by ``scoring/visibility.py``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from questions import Content
from reporting.csv_export import to_csv
from scoring import visibility
from scoring.compare import CoupleComparison
from services import LoginEnded
from services.partner import partner_names
from storage import Store, homework_links
from storage import sessions as logins
from storage.accounts import MIN_PASSWORD_LENGTH, AccountError, CounselorAccount, CounselorRecord
from storage.counselors import (
    PAGE_SIZE,
    AssessmentRecord,
    ClientRecord,
    CounselorDesk,
    HomeworkRecord,
    NoteRecord,
)
from storage.couples import format_join_code
from storage.homework_links import HOMEWORK_LINK_LIFETIME
from storage.repository import AnswersByQuestionnaire, FlagRecord

#: What the pages need of storage's records and rules, from here (the ui never imports storage).
__all__ = [
    "HOMEWORK_LINK_LIFETIME",
    "MIN_PASSWORD_LENGTH",
    "AccountError",
    "AssessmentRecord",
    "ClientRecord",
    "CounselorAccount",
    "HomeworkRecord",
    "NoteRecord",
]

#: How partners are named on the counselor's pages, reports and export.
NAMES = {1: "Partner 1", 2: "Partner 2"}
#: Scores of every assessment as the trend takes them: (when, {slot: {scale id: score}}).
TrendPoints = list[tuple[datetime, dict[int, dict[str, float | None]]]]
#: The consented partners' answers to one assessment, by slot.
SlotAnswers = dict[int, AnswersByQuestionnaire]

ENDED = "You're logged out: your login ended (it was unused for a while, or ended elsewhere). Please log in again."


class Counselor:
    """A logged-in counselor, as every page and fragment acts for them: each call first
    re-checks the login (``LoginEnded`` if it ended) and then acts on their own couples."""

    def __init__(self, store: Store, token: str, record: CounselorRecord | None = None) -> None:
        self.desk = CounselorDesk(store)
        self.token = token
        #: Who the last check found (name, admin, whether the password must change).
        self.record = record

    def check(self, passive: bool = False) -> CounselorRecord:
        """The counselor, if the login is live (a use: its idle clock restarts, unless
        ``passive``, as for a timer); ``LoginEnded`` otherwise."""
        record = logins.session_counselor(self.desk.store, self.token, touch=not passive)
        if record is None:
            raise LoginEnded(ENDED)
        self.record = record
        return record

    def log_out(self) -> None:
        """End this login (revoked: the browser's token restores nothing). A StorageError
        means it could not be revoked and is still live."""
        logins.revoke_session(self.desk.store, self.token)

    def change_password(self, current: str, new: str, again: str) -> None:
        """``AccountError`` says what's wrong (the two new ones differ, the current one
        is wrong, the new one too short); every other login of this counselor ends."""
        me = self.check()
        if new != again:
            raise AccountError("The two new passwords aren't the same.")
        self.desk.change_password(me.id, current, new, keep_token=self.token)
        self.record = CounselorRecord(me.id, me.username, me.display_name, me.is_admin)

    # Roster ---------------------------------------------------------------

    def roster_page(self, search: str, page: int) -> RosterPage:
        """One page of the roster. If it shrank (a search, a removal) below ``page``, its
        last page instead of an empty one."""
        me = self.check()
        clients, total = self.desk.clients(me.id, search, page - 1, PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if total and page > pages:
            page = pages
            clients, total = self.desk.clients(me.id, search, page - 1, PAGE_SIZE)
        return RosterPage(clients, total, page, pages)

    def add_client(self, label: str) -> str:
        """A couple on the roster under ``label`` (``AccountError`` says what's wrong with it)."""
        me = self.check()
        return self.desk.add_client(me.id, label)

    def client_with_label(self, label: str) -> ClientRecord | None:
        """A couple already on the roster under ``label`` (case and spacing aside), if any."""
        me = self.check()
        return self.desk.client_with_label(me.id, label)

    def client(self, client_id: str) -> ClientRecord | None:
        me = self.check()
        return self.desk.client(me.id, client_id)

    def delete_client(self, client_id: str) -> None:
        """The couple and every assessment, answer, note and step of theirs, for good."""
        me = self.check()
        self.desk.delete_client(me.id, client_id)

    # Assessments and their links -----------------------------------------------

    def start_in_office(self, client_id: str) -> tuple[str, str]:
        """An assessment on one device; returns (assessment id, device token)."""
        me = self.check()
        return self.desk.start_in_office(me.id, client_id)

    def start_homework(self, client_id: str) -> tuple[str, str, str]:
        """An assessment on two devices; returns (assessment id, partner 1's token, the join
        code as it is written)."""
        me = self.check()
        couple_id, token, code = self.desk.start_homework(me.id, client_id)
        return couple_id, token, format_join_code(code)

    def reissue_join_link(self, couple_id: str) -> str:
        """A new join code (as it is written) for partner 2 of a homework assessment who has
        not joined; the old one stops working."""
        me = self.check()
        return format_join_code(homework_links.reissue_join_link(self.desk.store, me.id, couple_id))

    def reissue_resume_link(self, couple_id: str, slot: int) -> str:
        """A new link for a partner of a homework assessment who has not started, or whose
        link this counselor made; never a finished partner's (``AccountError`` says why).
        The old link resolves no more."""
        me = self.check()
        return homework_links.reissue_resume_link(self.desk.store, me.id, couple_id, slot)

    def shared_comparison(self, content: Content, client_id: str | None, couple_id: str) -> SharedScreen | None:
        """An assessment as the counselor may show it on a shared screen (viewer
        ``counselor_shared``), read once; None unless it is theirs and of the open couple
        (``client_id``; None after a refresh: whichever of their couples it belongs to)."""
        me = self.check()
        record = self.desk.assessment(me.id, couple_id)
        if record is None or client_id not in (None, record.couple.client_id):
            return None
        shown = None
        if record.couple.both_finished:
            shown = comparison(content, record, self.desk.consented_answers(me.id, couple_id), "counselor_shared")
        return SharedScreen(record.couple.client_id, shown, names(record))

    # Notes and homework -------------------------------------------------------

    def add_note(self, client_id: str, body: str) -> None:
        me = self.check()
        self.desk.add_note(me.id, client_id, body)

    def notes(self, client_id: str) -> list[NoteRecord]:
        me = self.check()
        return self.desk.notes(me.id, client_id)

    def homework(self, client_id: str) -> list[HomeworkRecord]:
        me = self.check()
        return self.desk.homework(me.id, client_id)

    def assign_homework(self, client_id: str, suggestion_ids: list[str]) -> None:
        me = self.check()
        self.desk.assign_homework(me.id, client_id, suggestion_ids)

    def set_homework_done(self, homework_id: int, done: bool) -> None:
        me = self.check()
        self.desk.set_homework_done(me.id, homework_id, done)

    # Export -------------------------------------------------------------------

    def scores_csv(self, content: Content) -> str:
        """Every score of every finished assessment of this counselor's couples, as the
        counselor reads them privately (only consenting partners, only what they shared),
        with spreadsheet formulas neutralised. Three queries, however many assessments.
        Each row names its assessment as the couple's page does ("Assessment 2": the
        couple's second, by start) and its date and time, so two on one day stay apart."""
        me = self.check()
        answers = self.desk.consented_answers_by_assessment(me.id)
        rows: list[list[Any]] = []
        numbers: dict[str, int] = {}
        for roster_entry, record in self.desk.roster_assessments(me.id):
            numbers[roster_entry.id] = number = numbers.get(roster_entry.id, 0) + 1
            if not record.couple.both_finished:
                continue
            shown = comparison(content, record, answers.get(record.couple.id, {}), "counselor_private")
            for scale in shown.scales:
                for slot in (1, 2):
                    score = scale.scores.get(slot)
                    if score is not None:
                        when = f"{record.created_at:%Y-%m-%d %H:%M}"
                        rows.append([roster_entry.label, number, when, NAMES[slot], scale.title, score])
        return to_csv(CSV_HEADER, rows)


@dataclass(frozen=True)
class RosterPage:
    clients: list[ClientRecord]
    total: int
    #: The page shown (1-based) and how many there are.
    page: int
    pages: int


def partners(record: AssessmentRecord, answers: SlotAnswers) -> list[visibility.Partner]:
    """An assessment's partners; ``answers`` holds the consented partners' answers, by slot."""
    return [
        visibility.Partner(
            slot=partner.slot,
            answers=answers.get(partner.slot, {}),
            share_level=partner.share_level,  # type: ignore[arg-type]  # a str in storage; finish() lets in only the three levels
            counselor_consent=partner.slot in record.consented,
        )
        for partner in record.couple.partners
    ]


def comparison(
    content: Content, record: AssessmentRecord, answers: SlotAnswers, viewer: visibility.Viewer
) -> CoupleComparison:
    """A finished assessment's comparison as ``viewer`` (a counselor's view) may see it."""
    first, second = partners(record, answers)
    return visibility.couple_comparison(content, viewer, first, second)


def private_panels(
    content: Content, record: AssessmentRecord, answers: SlotAnswers, flags: Mapping[str, Sequence[FlagRecord]]
) -> list[visibility.PrivatePanel]:
    """Safety flags (every concern ever raised, ``flags`` by person, with when it changed)
    and support signs of the partners who consented: the counselor's only."""
    people = {p.slot: p.person_id for p in record.couple.partners}
    return [
        panel
        for partner in partners(record, answers)
        if (panel := visibility.private_panel(content, partner, flags.get(people[partner.slot], ()))) is not None
    ]


@dataclass(frozen=True)
class SharedScreen:
    """What a shared screen shows of one assessment: the couple (roster entry) it belongs
    to, the comparison (None until both partners finished) and the partners' names."""

    client_id: str | None
    comparison: CoupleComparison | None
    names: dict[int, str]


def names(record: AssessmentRecord | None) -> dict[int, str]:
    """What the counselor's pages call each partner of an assessment: the first name or
    nickname they gave (plain text: ``storage.nicknames.clean_nickname``), else "Partner 1" /
    "Partner 2", as the couple's own screens do."""
    return dict(NAMES) if record is None else partner_names(record.couple)


class CouplePage:
    """What one run of a couple's page reads, read once and shared by its tabs: the
    assessments (one query for their partners), the consented answers of all of them
    (one query), and each assessment's comparison, computed once.

    It lives for one run of the page only, in a local variable: it is one counselor's
    data, so it is never put in ``st.cache_*``, which every session shares.
    """

    def __init__(self, counselor: Counselor, content: Content, client_id: str, passive: bool = False) -> None:
        self.counselor = counselor
        self.content = content
        self.client_id = client_id
        #: A timer's run: its checks of the login don't count as a use.
        self.passive = passive
        self.reload()

    def _me(self) -> str:
        """The counselor's id, the login checked again (every read of the page is a call)."""
        return self.counselor.check(self.passive).id

    def reload(self) -> None:
        """Read the list of assessments (again, e.g. after starting one, or on a timer)."""
        self.assessments = self.counselor.desk.assessments(self._me(), self.client_id)
        self._answers: dict[str, SlotAnswers] | None = None
        self._comparisons: dict[tuple[str, visibility.Viewer], CoupleComparison | None] = {}

    def answers(self, couple_id: str) -> SlotAnswers:
        """The consented partners' answers to one assessment, by slot."""
        if self._answers is None:
            self._answers = self.counselor.desk.consented_answers_by_assessment(self._me(), self.client_id)
        return self._answers.get(couple_id, {})

    def comparison(
        self, record: AssessmentRecord, viewer: visibility.Viewer = "counselor_shared"
    ) -> CoupleComparison | None:
        """A finished assessment of this couple as ``viewer`` may see it: ``counselor_shared``
        for anything the couple may see (report, homework from the plan), ``counselor_private``
        for the counselor's own reading (the trend)."""
        key = (record.couple.id, viewer)
        if key not in self._comparisons:
            finished = record.couple.both_finished
            answers = self.answers(record.couple.id)
            self._comparisons[key] = comparison(self.content, record, answers, viewer) if finished else None
        return self._comparisons[key]

    def private_panels(self, record: AssessmentRecord) -> list[visibility.PrivatePanel]:
        self._me()  # the login checked again: the private panel is the counselor's alone
        flags = self.counselor.desk.store.safety_flags([p.person_id for p in record.couple.partners])
        return private_panels(self.content, record, self.answers(record.couple.id), flags)

    def latest_finished(self) -> AssessmentRecord | None:
        return next((a for a in reversed(self.assessments) if a.couple.both_finished), None)

    def trend_basis(self) -> Hashable:
        """What the trend is computed from: the assessments (partners, consent, share
        levels, finished) and one aggregate query's count and latest change of the
        consenting partners' answers. The same basis, the same trend (see ui/memo.py)."""
        me = self._me()
        return (
            me,
            self.client_id,
            tuple((a.couple, a.created_at, a.consented) for a in self.assessments),
            self.counselor.desk.answers_stamp(me, self.client_id),
        )

    def trend_points(self, viewer: visibility.Viewer = "counselor_private") -> TrendPoints:
        """Every finished assessment's scores as ``viewer`` may see them: privately, the
        scores each consenting partner shared; on a shared screen (``counselor_shared``),
        what the couple may see."""
        points: TrendPoints = []
        for record in self.assessments:
            shown = self.comparison(record, viewer)
            if shown is None:
                continue
            by_slot = {slot: {s.scale_id: s.scores.get(slot) for s in shown.scales} for slot in (1, 2)}
            points.append((record.created_at, by_slot))
        return points


CSV_HEADER = ["Couple", "Assessment", "Assessment date", "Partner", "Topic", "Score (0-100)"]
