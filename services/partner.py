"""A partner in a couple: opened from their own link (two devices), or from a one-device
couple's device link and the slot whose turn it is. Every call checks again, first: the
link still resolves (else ``LinkEnded``) and, on one device, the turn is still this
partner's (else ``TurnPassed``: a stale tab never shows or writes for the other partner).
Starting or joining a couple returns an opened ``Partner``.

Safety answers are never shown back on a shared device: a finished partner's answers
are not read there at all, and reopening asks the safety questions afresh, blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from questions import Content
from questions.guidance import Suggestion
from scoring import visibility
from scoring.compare import CoupleComparison
from services import LinkEnded, TurnPassed
from services.person import Person, Snapshot
from storage import StorageError, Store
from storage.couples import CoupleRecord, JoinOutcome, StepRecord
from storage.repository import AnswersByQuestionnaire

#: When a couple who chose a plan is invited to take Spark Check again.
RETAKE_AFTER = timedelta(weeks=4)


@dataclass(frozen=True)
class FollowUp:
    """Between sessions: the plan a couple chose (ticked off or not), when to take it again,
    and the homework their counselor set."""

    plan: tuple[tuple[Suggestion, StepRecord], ...]
    retake_on: date | None
    homework: tuple[tuple[Suggestion, StepRecord], ...]
    #: Steps the comparison proposes that the kept plan lacks (a partner reopened and
    #: changed their answers after the plan was chosen).
    new_steps: tuple[str, ...] = ()


def partner_names(record: CoupleRecord, you: int | None = None) -> dict[int, str]:
    """What each partner is called: their nickname, else "Partner 1" / "Partner 2", the same
    wherever both see the same thing (a shared screen, the downloads), as one colour per slot
    (reporting/charts.py PARTNER_COLOURS); ``you``: a partner's own device, "(you)" after theirs."""
    names = {slot: f"Partner {slot}" for slot in (1, 2)}
    names.update({p.slot: p.nickname for p in record.partners if p.nickname})
    if you in names:
        names[you] = f"{names[you]} (you)"
    return names


class Partner(Person):
    """One partner of a couple. ``device``: a one-device couple's device link (then ``slot``
    is the partner whose turn it is); else ``token`` is the partner's own link."""

    def __init__(self, store: Store, content: Content, token: str = "", device: str | None = None, slot: int = 0):
        self.device, self.slot = device, slot
        super().__init__(store, content, token)

    @property
    def one_device(self) -> bool:
        return self.device is not None

    def checked(self) -> tuple[str, CoupleRecord]:
        """(this partner's person id, their couple as stored now), or LinkEnded / TurnPassed."""
        return self._verified(self._look_up_couple)

    def _look_up_couple(self) -> tuple[str, CoupleRecord]:
        if self.device is None:
            found = self.store.partner_by_token(self.token)
            if found is None:
                raise LinkEnded("this link no longer opens these answers")
            person_id, record = found
            self.slot = next(p.slot for p in record.partners if p.person_id == person_id)
            return person_id, record
        found_couple = self.store.couple_by_device_token(self.device)
        me = found_couple.partner(self.slot) if found_couple is not None else None
        if found_couple is None or me is None:
            raise LinkEnded("this device link no longer opens a couple")
        if found_couple.active_slot != self.slot:
            raise TurnPassed(partner_names(found_couple)[found_couple.active_slot])
        return me.person_id, found_couple

    def check(self) -> str:
        return self.checked()[0]

    @property
    def couple_id(self) -> str:
        return self.couple().id

    def couple(self) -> CoupleRecord:
        return self.checked()[1]

    def names(self) -> dict[int, str]:
        """``partner_names``, with "(you)" after this partner's own name on their own device."""
        return partner_names(self.couple(), None if self.one_device else self.slot)

    def finished(self) -> bool:
        me = self.couple().partner(self.slot)
        return me is not None and me.finished

    def snapshot(self) -> Snapshot:
        person_id, record = self.checked()
        me, person = record.partner(self.slot), self.store.person(person_id)
        finished = me is not None and me.finished
        answers = {} if self.one_device and finished else self.store.answers_for(person_id)
        return Snapshot(person.progress if person else {}, answers, finished)

    def answers(self) -> AnswersByQuestionnaire:
        """This partner's answers; none at all from a shared screen once they have finished."""
        return self.snapshot().answers

    def delete(self) -> None:
        """On one device the whole couple goes (the device is shared); else this partner."""
        person_id, record = self.checked()
        self._held = None  # gone: any later call finds the link ended
        if self.one_device:
            self.store.delete_couple(record.id)
        else:
            self.store.delete_person(person_id)

    def hand_over(self) -> Partner:
        """One device, partner 1 has finished: partner 2's turn (their Partner)."""
        record = self.couple()
        me = record.partner(self.slot)
        if not self.one_device or self.slot != 1 or me is None or not me.finished:
            raise StorageError("no hand-over to make")
        self.store.set_active_slot(record.id, 2)
        self._held = None  # the turn passed: this partner's next call is TurnPassed
        return Partner(self.store, self.content, device=self.device, slot=2)

    def finish(self, share_level: str) -> CoupleRecord:
        """Done, having chosen what to share: the answers are read-only now. Returns the couple."""
        if share_level not in visibility.SHARE_LEVELS:
            raise StorageError(f"unknown share level {share_level!r}")
        self.store.finish(self.check(), share_level)
        self._held = None  # read the couple as finishing left it
        return self.couple()

    def reopen(self, slot: int | None = None) -> Partner:
        """A finished partner takes their answers back to change them; the safety questions
        are asked afresh, blank (their flags stay for the counselor). On one device, once
        both have finished, either may (``slot``): the turn becomes theirs. Returns them."""
        record = self.couple()
        slot = slot or self.slot
        if slot != self.slot and not (self.one_device and record.both_finished):
            raise StorageError("only the partner whose turn it is may reopen")
        them = record.partner(slot)
        if them is None:
            raise StorageError("no such partner")
        clear = [(qid, i.id) for qid, q in self.content.questionnaires.items() for i in q.items if i.safety]
        self.store.reopen(them.person_id, clear, take_turn=self.one_device)
        self._held = None
        return self if slot == self.slot else Partner(self.store, self.content, device=self.device, slot=slot)

    def set_nickname(self, nickname: str) -> str | None:
        """An optional first name or nickname (empty clears it); NicknameError when refused."""
        person_id, self._held = self.check(), None
        return self.store.set_nickname(person_id, nickname)

    def give_counselor_consent(self) -> None:
        person_id, self._held = self.check(), None
        self.store.give_counselor_consent(person_id)

    def new_join_code(self) -> str:
        """Two devices, before partner 2 joins: a fresh code (the old one stops working)."""
        couple_id, self._held = self.couple_id, None
        return self.store.new_join_code(couple_id)

    def comparison(self) -> CoupleComparison:
        """The comparison as this partner may see it (``scoring/visibility.py``): on their own
        device as themselves; on one device as a shared screen."""
        record = self.couple()
        first, second = (
            visibility.Partner(
                slot=p.slot,
                answers=self.store.answers_for(p.person_id),
                share_level=p.share_level,  # type: ignore[arg-type]  # a str in storage; finish() lets in only the three levels
                counselor_consent=p.counselor_consent,
            )
            for p in record.partners
        )
        viewer = None if self.one_device else self.slot
        return visibility.couple_comparison(self.content, "partner", first, second, viewer)

    def choose_plan(self, comparison: CoupleComparison) -> None:
        """The couple will try the plan their comparison proposes."""
        self.store.choose_plan(self.couple().id, [step.suggestion_id for step in comparison.plan])

    def tick_plan_step(self, suggestion_id: str, done: bool) -> None:
        self.store.set_plan_step_done(self.couple().id, suggestion_id, done)

    def follow_up(self, comparison: CoupleComparison | None = None) -> FollowUp:
        """What the couple chose and were set; with ``comparison`` (as this partner sees it),
        the steps it proposes that the kept plan lacks."""
        record = self.couple()
        plan = self.store.chosen_plan(record.id)
        known = {suggestion.id: suggestion for suggestion in self.content.suggestions}
        kept = {step.suggestion_id for step in plan}
        proposed = [step.suggestion_id for step in comparison.plan] if comparison is not None else []
        homework = self.store.couple_homework(record.id)
        return FollowUp(
            plan=tuple((known[s.suggestion_id], s) for s in plan if s.suggestion_id in known),
            retake_on=(min(step.since for step in plan) + RETAKE_AFTER).date() if plan else None,
            homework=tuple((known[s.suggestion_id], s) for s in homework if s.suggestion_id in known),
            new_steps=tuple(s for s in proposed if s not in kept) if plan else (),
        )


def open_link(store: Store, content: Content, token: str, device: bool = False) -> Person:
    """Who a link opens, or LinkEnded: on a one-device couple's device link (``device``), the
    partner whose turn it is; on a resume link, a ``Partner`` on two devices or a ``Person``
    alone (a partner on one device resumes through the device link only)."""
    if device:
        record = store.couple_by_device_token(token)
        if record is None:
            raise LinkEnded("this device link no longer opens a couple")
        return Partner(store, content, device=token, slot=record.active_slot)
    if store.partner_by_token(token) is not None:
        return Partner(store, content, token)
    return Person(store, content, token)


def start_one_device(store: Store, content: Content) -> tuple[Partner, str]:
    """Two partners answering in turn on one device: partner 1's turn, and the device link."""
    _couple_id, device, _people = store.create_couple_one_device()
    return Partner(store, content, device=device, slot=1), device


def start_two_devices(store: Store, content: Content, person: Person | None) -> tuple[Partner, str]:
    """A couple space with ``person`` (bringing their answers) or someone new as partner 1:
    partner 1, and the join code to give partner 2."""
    if person is None:
        _couple_id, _person_id, token, code = store.create_couple_two_devices(None)
    else:
        _couple_id, _person_id, _none, code = store.create_couple_two_devices(person.check())
        token = person.token
    assert token is not None  # a new person always gets a link
    return Partner(store, content, token), code


def join(store: Store, content: Content, code: str, person: Person | None) -> tuple[JoinOutcome, Partner | None]:
    """Join as partner 2 with a code; ``person`` (alone) brings their answers."""
    solo = person.check() if person is not None and not isinstance(person, Partner) else None
    result = store.join_couple(code, person_id=solo)
    if result.outcome is not JoinOutcome.JOINED:
        return result.outcome, None
    token = result.token or (person.token if person is not None else "")
    return result.outcome, Partner(store, content, token)
