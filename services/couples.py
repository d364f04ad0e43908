"""A couple: start (one device or two), join, hand over, finish, reopen, consent, and
the comparison a partner sees (as ``scoring/visibility.py`` decides)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from questions import Content
from questions.guidance import Suggestion
from scoring import visibility
from scoring.compare import CoupleComparison
from storage import Store
from storage.couples import CoupleRecord, JoinResult, StepRecord

#: When a couple who chose a plan is invited to take Spark Check again.
RETAKE_AFTER = timedelta(weeks=4)


@dataclass(frozen=True)
class FollowUp:
    """Between sessions: the plan a couple chose (ticked off or not), when to take it again,
    and the homework their counselor set."""

    plan: tuple[tuple[Suggestion, StepRecord], ...]
    retake_on: date | None
    homework: tuple[tuple[Suggestion, StepRecord], ...]
    #: Steps the comparison proposes now that the kept plan lacks (a partner reopened and
    #: changed their answers after the plan was chosen).
    new_steps: tuple[str, ...] = ()


def start_one_device(store: Store) -> tuple[CoupleRecord, str]:
    """Two partners answering in turn on one device; returns (the couple, its device token)."""
    couple_id, device_token, _people = store.create_couple_one_device()
    record = store.couple(couple_id)
    assert record is not None
    return record, device_token


def start_two_devices(store: Store, person_id: str | None) -> tuple[str, str, str | None, str]:
    """A couple space with ``person_id`` (bringing their answers), or someone new, as partner 1.
    Returns (couple id, person id, new token or None, join code)."""
    return store.create_couple_two_devices(person_id)


def new_join_code(store: Store, couple_id: str) -> str:
    return store.new_join_code(couple_id)


def join(store: Store, code: str, person_id: str | None = None, now: datetime | None = None) -> JoinResult:
    """Join as partner 2 with a code; a solo ``person_id`` brings their answers."""
    return store.join_couple(code, now=now, person_id=person_id)


def couple(store: Store, couple_id: str | None) -> CoupleRecord | None:
    return store.couple(couple_id) if couple_id else None


def hand_over(store: Store, couple_id: str) -> None:
    """One device: partner 2's turn."""
    store.set_active_slot(couple_id, 2)


def finish(store: Store, person_id: str, share_level: str) -> None:
    """A partner is done and has chosen what to share: their answers are read-only now."""
    store.finish(person_id, share_level)


def reopen(store: Store, person_id: str) -> None:
    """A finished partner takes their answers back to change them."""
    store.reopen(person_id)


def set_nickname(store: Store, person_id: str, nickname: str) -> str | None:
    """A partner's optional first name or nickname (empty clears it); StorageError when refused."""
    return store.set_nickname(person_id, nickname)


def partner_names(record: CoupleRecord) -> dict[int, str]:
    """What each partner is called wherever both see the same thing (a shared screen, the
    downloads): their nickname, else "Partner 1" / "Partner 2". One name per slot, as one
    colour per slot (reporting/charts.py PARTNER_COLOURS)."""
    names = {slot: f"Partner {slot}" for slot in (1, 2)}
    for partner in record.partners:
        if partner.nickname:
            names[partner.slot] = partner.nickname
    return names


def names_for_viewer(record: CoupleRecord, viewer_slot: int | None) -> dict[int, str]:
    """``partner_names``, with "(you)" after the viewer's own name on their own device."""
    names = partner_names(record)
    if viewer_slot in names:
        names[viewer_slot] = f"{names[viewer_slot]} (you)"
    return names


def give_counselor_consent(store: Store, person_id: str) -> None:
    store.give_counselor_consent(person_id)


def partners(store: Store, record: CoupleRecord) -> list[visibility.Partner]:
    """Both partners of a couple with their answers, for ``scoring/visibility.py`` to filter."""
    return [
        visibility.Partner(
            slot=partner.slot,
            answers=store.answers_for(partner.person_id),
            share_level=partner.share_level,  # type: ignore[arg-type]  # a str in storage; finish() lets in only the three levels
            counselor_consent=partner.counselor_consent,
        )
        for partner in record.partners
    ]


def partner_comparison(
    store: Store, content: Content, record: CoupleRecord, viewer_slot: int | None
) -> CoupleComparison:
    """The comparison as a partner may see it. ``viewer_slot``: the partner on their own
    device, or None for a shared screen (one device)."""
    first, second = partners(store, record)
    return visibility.couple_comparison(content, "partner", first, second, viewer_slot)


def _with_suggestions(content: Content, steps: list[StepRecord]) -> tuple[tuple[Suggestion, StepRecord], ...]:
    known = {suggestion.id: suggestion for suggestion in content.suggestions}
    return tuple((known[step.suggestion_id], step) for step in steps if step.suggestion_id in known)


def choose_plan(store: Store, record: CoupleRecord, comparison: CoupleComparison) -> None:
    """The couple will try the plan their comparison proposes."""
    store.choose_plan(record.id, [step.suggestion_id for step in comparison.plan])


def tick_plan_step(store: Store, record: CoupleRecord, suggestion_id: str, done: bool) -> None:
    store.set_plan_step_done(record.id, suggestion_id, done)


def follow_up(
    store: Store, content: Content, record: CoupleRecord, comparison: CoupleComparison | None = None
) -> FollowUp:
    """What the couple chose and were set; with ``comparison`` (as the viewer sees it), the
    steps it proposes that the kept plan lacks."""
    plan = store.chosen_plan(record.id)
    retake_on = (min(step.since for step in plan) + RETAKE_AFTER).date() if plan else None
    kept = {step.suggestion_id for step in plan}
    proposed = [step.suggestion_id for step in comparison.plan] if comparison is not None else []
    return FollowUp(
        plan=_with_suggestions(content, plan),
        retake_on=retake_on,
        homework=_with_suggestions(content, store.couple_homework(record.id)),
        new_steps=tuple(s for s in proposed if s not in kept) if plan else (),
    )
