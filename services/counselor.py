"""A counselor's work: the roster, starting assessments, notes and homework, the
consented comparisons, the trend and the CSV export.

Every call takes the logged-in counselor's id; storage checks ownership in each query.
What the counselor may see of a partner (on a shared screen, or privately) is decided
by ``scoring/visibility.py``.
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
from services.partner import partner_names
from storage import homework_links
from storage.accounts import CounselorAccount
from storage.counselors import (
    PAGE_SIZE,
    AssessmentRecord,
    ClientRecord,
    CounselorDesk,
    CounselorRecord,
    HomeworkRecord,
    NoteRecord,
)
from storage.repository import AnswersByQuestionnaire, FlagRecord

#: How partners are named on the counselor's pages, reports and export.
NAMES = {1: "Partner 1", 2: "Partner 2"}
#: Scores of every assessment as the trend takes them: (when, {slot: {scale id: score}}).
TrendPoints = list[tuple[datetime, dict[int, dict[str, float | None]]]]
#: The consented partners' answers to one assessment, by slot.
SlotAnswers = dict[int, AnswersByQuestionnaire]


# Accounts -----------------------------------------------------------------


def authenticate(desk: CounselorDesk, username: str, password: str) -> CounselorRecord | None:
    """The counselor whose password this is, or None (the account's lock counts the try)."""
    return desk.authenticate(username, password).counselor


def has_counselors(desk: CounselorDesk) -> bool:
    return desk.has_counselors()


def change_password(desk: CounselorDesk, counselor_id: str, current: str, new: str) -> None:
    """``AccountError`` says what's wrong (the current password, or the new one's length)."""
    desk.change_password(counselor_id, current, new)


def counselor_by_username(desk: CounselorDesk, username: str) -> CounselorRecord | None:
    return desk.counselor_by_username(username)


def is_admin(desk: CounselorDesk, counselor_id: str) -> bool:
    """Whether this counselor may manage counselor accounts (an enabled admin)."""
    return desk.is_admin(counselor_id)


def counselor_accounts(desk: CounselorDesk, admin_id: str) -> list[CounselorAccount]:
    """Every counselor account, for an admin; ``NotAllowed`` for anyone else."""
    return desk.counselor_accounts(admin_id)


def add_counselor(
    desk: CounselorDesk, admin_id: str, username: str, password: str, display_name: str, is_admin: bool = False
) -> str:
    """An admin adds a counselor (``NotAllowed`` for anyone else; ``AccountError`` says
    what's wrong with the username or password)."""
    return desk.add_counselor(username, password, display_name.strip() or None, is_admin=is_admin, added_by=admin_id)


def set_counselor_disabled(desk: CounselorDesk, admin_id: str, counselor_id: str, disabled: bool) -> None:
    """An admin disables a counselor (no login; their sessions end at once) or re-enables
    them; ``NotAllowed`` for anyone else, and nobody disables themselves."""
    desk.set_disabled(admin_id, counselor_id, disabled)


# Roster -------------------------------------------------------------------


@dataclass(frozen=True)
class RosterPage:
    clients: list[ClientRecord]
    total: int
    #: The page shown (1-based) and how many there are.
    page: int
    pages: int


def roster_page(desk: CounselorDesk, counselor_id: str, search: str, page: int) -> RosterPage:
    """One page of the roster. If it shrank (a search, a removal) below ``page``, its
    last page instead of an empty one."""
    clients, total = desk.clients(counselor_id, search, page - 1, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if total and page > pages:
        page = pages
        clients, total = desk.clients(counselor_id, search, page - 1, PAGE_SIZE)
    return RosterPage(clients, total, page, pages)


def add_client(desk: CounselorDesk, counselor_id: str, label: str) -> str:
    """A couple on the roster under ``label`` (``AccountError`` says what's wrong with it)."""
    return desk.add_client(counselor_id, label)


def client_with_label(desk: CounselorDesk, counselor_id: str, label: str) -> ClientRecord | None:
    """A couple already on the roster under ``label`` (case and spacing aside), if any."""
    return desk.client_with_label(counselor_id, label)


def client(desk: CounselorDesk, counselor_id: str, client_id: str) -> ClientRecord | None:
    return desk.client(counselor_id, client_id)


def delete_client(desk: CounselorDesk, counselor_id: str, client_id: str) -> None:
    """The couple and every assessment, answer, note and step of theirs, for good."""
    desk.delete_client(counselor_id, client_id)


# Assessments ----------------------------------------------------------------


def start_in_office(desk: CounselorDesk, counselor_id: str, client_id: str) -> tuple[str, str]:
    """An assessment on one device; returns (assessment id, device token)."""
    return desk.start_in_office(counselor_id, client_id)


def start_homework(desk: CounselorDesk, counselor_id: str, client_id: str) -> tuple[str, str, str]:
    """An assessment on two devices; returns (assessment id, partner 1's token, join code)."""
    return desk.start_homework(counselor_id, client_id)


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


def shared_comparison(
    desk: CounselorDesk, content: Content, counselor_id: str, client_id: str | None, couple_id: str
) -> SharedScreen | None:
    """An assessment as the counselor may show it on a shared screen (viewer
    ``counselor_shared``), read once; None unless it is theirs and of the open couple
    (``client_id``; None after a refresh: whichever of their couples it belongs to)."""
    record = desk.assessment(counselor_id, couple_id)
    if record is None or client_id not in (None, record.couple.client_id):
        return None
    shown = None
    if record.couple.both_finished:
        shown = comparison(content, record, desk.consented_answers(counselor_id, couple_id), "counselor_shared")
    return SharedScreen(record.couple.client_id, shown, names(record))


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

    def __init__(self, desk: CounselorDesk, content: Content, counselor_id: str, client_id: str) -> None:
        self.desk = desk
        self.content = content
        self.counselor_id = counselor_id
        self.client_id = client_id
        self.assessments = desk.assessments(counselor_id, client_id)
        self._answers: dict[str, SlotAnswers] | None = None
        self._comparisons: dict[tuple[str, visibility.Viewer], CoupleComparison | None] = {}

    def reload(self) -> None:
        """After starting an assessment: read the list again."""
        self.assessments = self.desk.assessments(self.counselor_id, self.client_id)
        self._answers = None
        self._comparisons.clear()

    def answers(self, couple_id: str) -> SlotAnswers:
        """The consented partners' answers to one assessment, by slot."""
        if self._answers is None:
            self._answers = self.desk.consented_answers_by_assessment(self.counselor_id, self.client_id)
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
        flags = self.desk.store.safety_flags([p.person_id for p in record.couple.partners])
        return private_panels(self.content, record, self.answers(record.couple.id), flags)

    def latest_finished(self) -> AssessmentRecord | None:
        return next((a for a in reversed(self.assessments) if a.couple.both_finished), None)

    def trend_basis(self) -> Hashable:
        """What the trend is computed from: the assessments (partners, consent, share
        levels, finished) and one aggregate query's count and latest change of the
        consenting partners' answers. The same basis, the same trend (see ui/memo.py)."""
        return (
            self.counselor_id,
            self.client_id,
            tuple((a.couple, a.created_at, a.consented) for a in self.assessments),
            self.desk.answers_stamp(self.counselor_id, self.client_id),
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


def reissue_join_link(desk: CounselorDesk, counselor_id: str, couple_id: str) -> str:
    """A new join code for partner 2 of a homework assessment; the old one stops working."""
    return homework_links.reissue_join_link(desk.store, counselor_id, couple_id)


def reissue_resume_link(desk: CounselorDesk, counselor_id: str, couple_id: str, slot: int) -> str:
    """A new resume link for a partner of a homework assessment; the old one stops working."""
    return homework_links.reissue_resume_link(desk.store, counselor_id, couple_id, slot)


# Notes and homework -----------------------------------------------------------


def add_note(desk: CounselorDesk, counselor_id: str, client_id: str, body: str) -> None:
    desk.add_note(counselor_id, client_id, body)


def notes(desk: CounselorDesk, counselor_id: str, client_id: str) -> list[NoteRecord]:
    return desk.notes(counselor_id, client_id)


def homework(desk: CounselorDesk, counselor_id: str, client_id: str) -> list[HomeworkRecord]:
    return desk.homework(counselor_id, client_id)


def assign_homework(desk: CounselorDesk, counselor_id: str, client_id: str, suggestion_ids: list[str]) -> None:
    desk.assign_homework(counselor_id, client_id, suggestion_ids)


def set_homework_done(desk: CounselorDesk, counselor_id: str, homework_id: int, done: bool) -> None:
    desk.set_homework_done(counselor_id, homework_id, done)


# Export -----------------------------------------------------------------------

CSV_HEADER = ["Couple", "Assessment", "Assessment date", "Partner", "Topic", "Score (0-100)"]


def scores_csv(desk: CounselorDesk, content: Content, counselor_id: str) -> str:
    """Every score of every finished assessment of this counselor's couples, as the
    counselor reads them privately (only consenting partners, only what they shared),
    with spreadsheet formulas neutralised. Three queries, however many assessments.
    Each row names its assessment as the couple's page does ("Assessment 2": the
    couple's second, by start) and its date and time, so two on one day stay apart."""
    answers = desk.consented_answers_by_assessment(counselor_id)
    rows: list[list[Any]] = []
    numbers: dict[str, int] = {}
    for roster_entry, record in desk.roster_assessments(counselor_id):
        numbers[roster_entry.id] = number = numbers.get(roster_entry.id, 0) + 1
        if not record.couple.both_finished:
            continue
        shown = comparison(content, record, answers.get(record.couple.id, {}), "counselor_private")
        for scale in shown.scales:
            for slot in (1, 2):
                score = scale.scores.get(slot)
                if score is not None:
                    rows.append(
                        [
                            roster_entry.label,
                            number,
                            f"{record.created_at:%Y-%m-%d %H:%M}",
                            NAMES[slot],
                            scale.title,
                            score,
                        ]
                    )
    return to_csv(CSV_HEADER, rows)
