"""One person's answers: save, replace (an import), delete, and resume from a link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from questions import Content
from scoring.results import AnswerValue
from storage import PersonRecord, StorageError, Store
from storage.couples import CoupleRecord
from storage.repository import AnswersByQuestionnaire


def version_of(content: Content, questionnaire_id: str) -> int:
    """The version an answer to ``questionnaire_id`` is saved under (predictions share
    their questionnaire's)."""
    return content.questionnaire(questionnaire_id.split(".", 1)[0]).version


def new_person(store: Store, progress: Mapping[str, Any]) -> tuple[str, str]:
    """A person for a first answer, with where they are; returns (person id, resume token)."""
    person_id, token = store.create_person()
    store.set_progress(person_id, progress)
    return person_id, token


def save_answer(
    store: Store, content: Content, person_id: str, questionnaire_id: str, item_id: str, value: AnswerValue
) -> None:
    """Save one answer as given, now (``AnswersLocked`` once the partner has finished)."""
    store.save_answer(person_id, questionnaire_id, version_of(content, questionnaire_id), item_id, value)


def replace_answers(
    store: Store, content: Content, person_id: str, answers: Mapping[str, Mapping[str, AnswerValue]]
) -> None:
    """Replace every answer at once (an import): all written, or none."""
    versions = {qid: q.version for qid, q in content.questionnaires.items()}
    store.save_answers(person_id, answers, versions, replace=True)


def set_progress(store: Store, person_id: str, progress: Mapping[str, Any]) -> None:
    store.set_progress(person_id, progress)


def mark_finished(store: Store, person_id: str) -> None:
    """A person alone reached their results: kept from the purge of abandoned answers."""
    store.mark_finished(person_id)


def answers_of(store: Store, person_id: str) -> AnswersByQuestionnaire:
    return store.answers_for(person_id)


def delete_everything(store: Store, person_id: str | None, couple_id: str | None, one_device: bool) -> None:
    """Delete a person for good, or on one device the whole couple (the device is shared)."""
    if one_device and couple_id:
        store.delete_couple(couple_id)
    elif person_id is not None:
        store.delete_person(person_id)


@dataclass(frozen=True)
class ResumedPerson:
    """Someone coming back through their own resume link."""

    person: PersonRecord
    answers: AnswersByQuestionnaire
    #: Their couple space on two devices, if they are in one.
    couple: CoupleRecord | None = None


def resume_person(store: Store, token: str) -> ResumedPerson | None:
    """The person of a resume link, or None for an unknown link or a partner on one
    device (they resume through the device link only)."""
    record = store.person_by_token(token)
    if record is None:
        return None
    couple = store.couple(record.couple_id) if record.couple_id else None
    if couple is not None and couple.mode == "one_device":
        return None
    return ResumedPerson(person=record, answers=store.answers_for(record.id), couple=couple)


def resume_device(store: Store, device_token: str) -> CoupleRecord | None:
    """The couple of a device link, or None."""
    return store.couple_by_device_token(device_token)


@dataclass(frozen=True)
class Turn:
    """One partner's turn on one device: their answers only if they haven't finished."""

    person_id: str
    progress: dict[str, Any]
    finished: bool
    answers: AnswersByQuestionnaire


def turn(store: Store, couple: CoupleRecord, slot: int) -> Turn:
    """What ``slot``'s turn on one device loads. A partner who has finished brings no answers."""
    partner = couple.partner(slot)
    if partner is None:
        raise StorageError("missing partner")
    record = store.person(partner.person_id)
    answers = {} if partner.finished else store.answers_for(partner.person_id)
    return Turn(partner.person_id, record.progress if record else {}, partner.finished, answers)
