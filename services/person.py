"""A person alone, opened from their resume link. Every call looks the link up again first
(one indexed lookup of its hash; within one ``action``, once), so a tab opened with a link
that was replaced, or whose answers were deleted, acts no more: ``LinkEnded``, and nothing
is read or changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from questions import Content
from scoring.results import AnswerValue
from services import LinkEnded
from storage import Store
from storage.repository import AnswersByQuestionnaire, SafetyAnswers

T = TypeVar("T")


def safety_of(content: Content, answers: Mapping[str, Mapping[str, AnswerValue]], every: bool = False) -> SafetyAnswers:
    """For the safety questions among ``answers`` (``every``: all of them, given or not),
    whether the answer raises a concern: what ``Store.save_answers`` keeps flags by."""
    found: dict[tuple[str, str], bool] = {}
    for qid, questionnaire in content.questionnaires.items():
        given = answers.get(qid, {})
        for item in questionnaire.items:
            if item.safety and (every or item.id in given):
                value = given.get(item.id)
                found[(qid, item.id)] = isinstance(value, int) and value in item.unsafe_values
    return found


@dataclass(frozen=True)
class Snapshot:
    """What a session opened for someone starts from, read after one check: where they were,
    their answers (none of a partner who has finished, on a shared screen), and whether they
    have finished (a partner)."""

    progress: dict[str, Any]
    answers: AnswersByQuestionnaire
    finished: bool = False


class Person:
    """Someone with their own resume link (alone; a partner on two devices: ``Partner``)."""

    def __init__(self, store: Store, content: Content, token: str) -> None:
        self.store, self.content, self.token = store, content, token
        #: Inside ``action()``: the check made at its first call, shared by its other calls.
        self._acting: bool = False
        self._held: Any = None
        self.id = self.check()

    @contextmanager
    def action(self) -> Iterator[None]:
        """One action (a page's run): who acts is checked at its first call, and its other
        calls share that check, until a write that changes what the check reads or the
        action ends. Outside one, every call checks again (a callback, a fragment's rerun). One
        opened inside another (a fragment drawn in a page's run) is part of it."""
        if self._acting:
            yield
            return
        self._acting = True
        try:
            yield
        finally:
            self._acting, self._held = False, None

    def _verified(self, look_up: Callable[[], T]) -> T:
        if self._held is None:
            found = look_up()
            if not self._acting:
                return found
            self._held = found
        return cast(T, self._held)

    @classmethod
    def new(cls, store: Store, content: Content, progress: Mapping[str, Any]) -> Person:
        """A person for a first answer, with where they are (and a new resume link)."""
        person_id, token = store.create_person()
        store.set_progress(person_id, progress)
        return cls(store, content, token)

    def check(self) -> str:
        """This person's id while their link still opens their answers alone, else LinkEnded."""
        return self._verified(self._look_up)

    def _look_up(self) -> str:
        record = self.store.person_by_token(self.token)
        if record is None or record.couple_id is not None:
            raise LinkEnded("this link no longer opens these answers")
        return record.id

    def answers(self) -> AnswersByQuestionnaire:
        return self.store.answers_for(self.check())

    def snapshot(self) -> Snapshot:
        person_id = self.check()
        record = self.store.person(person_id)
        return Snapshot(record.progress if record else {}, self.store.answers_for(person_id))

    def save_answer(self, questionnaire_id: str, item_id: str, value: AnswerValue) -> None:
        """Save one answer as given, now (``AnswersLocked`` once a partner has finished)."""
        version = self.content.questionnaire(questionnaire_id.split(".", 1)[0]).version  # predictions share it
        given = {questionnaire_id: {item_id: value}}
        self.store.save_answers(self.check(), given, {questionnaire_id: version}, safety=safety_of(self.content, given))

    def replace_answers(self, answers: Mapping[str, Mapping[str, AnswerValue]]) -> None:
        """Replace every answer at once (an import): all written, or none."""
        versions = {qid: q.version for qid, q in self.content.questionnaires.items()}
        safety = safety_of(self.content, answers, every=True)
        self.store.save_answers(self.check(), answers, versions, replace=True, safety=safety)

    def set_progress(self, progress: Mapping[str, Any]) -> None:
        self.store.set_progress(self.check(), progress)

    def mark_finished(self) -> None:
        """A person alone reached their results: kept from the purge of abandoned answers."""
        self.store.mark_finished(self.check())

    def delete(self) -> None:
        """Delete this person and every answer, for good."""
        person_id, self._held = self.check(), None
        self.store.delete_person(person_id)
