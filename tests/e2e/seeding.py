"""Data the browser tests start from, written through storage before the server starts, so a
page is reached directly with its link, as a person coming back would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questions import default_content
from storage import Store
from storage.counselors import CounselorDesk

CONTENT = default_content()
VERSIONS = {qid: q.version for qid, q in CONTENT.questionnaires.items()}
PASSWORD = "a long enough test password"


def middle_answers() -> dict[str, dict[str, Any]]:
    """The middle option everywhere (no safety concern, no sign it is time for help)."""
    answers: dict[str, dict[str, Any]] = {}
    for questionnaire in CONTENT.questionnaires.values():
        for item in questionnaire.items:
            rset = questionnaire.response_set_of(item)
            if rset.multi:
                continue
            if item.safety or item.kind == "checklist":
                value = next(v for v in rset.values if v not in item.unsafe_values) if item.safety else 0
            else:
                value = rset.options[len(rset.options) // 2].value
            answers.setdefault(questionnaire.id, {})[item.id] = value
    return answers


def seed(db_path: Path) -> dict[str, str]:
    """A person alone, a finished two-device couple and a counselor (``ana``, an admin);
    their links: ``person`` and ``partner`` (resume tokens), ``couple`` (its id)."""
    couple = two_device_couple(db_path, finished=(1, 2))
    with store_at(db_path) as store:
        CounselorDesk(store).add_counselor("ana", PASSWORD, "Ana")
    return {"person": person(db_path), "partner": couple.tokens[1], "couple": couple.couple_id}


@contextmanager
def store_at(db_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{db_path}")
    try:
        yield store
    finally:
        store.engine.dispose()


def person(db_path: Path, safe: bool = True) -> str:
    """A person alone with middle answers to both questionnaires (and "No" to feeling safe
    unless ``safe``); their resume token."""
    answers = middle_answers()
    if not safe:
        answers["worth_it"]["safe"] = 0
    with store_at(db_path) as store:
        person_id, token = store.create_person()
        store.save_answers(person_id, answers, VERSIONS)
    return token


@dataclass(frozen=True)
class TwoDevices:
    couple_id: str
    #: Per slot: the partner's person id and resume token.
    people: dict[int, str]
    tokens: dict[int, str]


def two_device_couple(
    db_path: Path, finished: tuple[int, ...], join: bool = True, unsafe: tuple[int, ...] = ()
) -> TwoDevices:
    """A couple on two devices, partner 2 joined (unless not ``join``), each partner with
    middle answers ("No" to feeling safe for those in ``unsafe``) and those in ``finished``
    done, sharing item by item."""
    with store_at(db_path) as store:
        couple_id, first_id, first_token, code = store.create_couple_two_devices()
        assert first_token is not None
        people, tokens = {1: first_id}, {1: first_token}
        if join:
            joined = store.join_couple(code)
            assert joined.person_id is not None and joined.token is not None
            people[2], tokens[2] = joined.person_id, joined.token
        for slot, person_id in people.items():
            answers = middle_answers()
            if slot in unsafe:
                answers["worth_it"]["safe"] = 0
            store.save_answers(person_id, answers, VERSIONS)
            if slot in finished:
                store.finish(person_id, "items")
    return TwoDevices(couple_id, people, tokens)


def finish(db_path: Path, person_id: str) -> None:
    """A partner finishes (sharing item by item), as if on their own device."""
    with store_at(db_path) as store:
        store.finish(person_id, "items")


@dataclass(frozen=True)
class Practice:
    """A counselor's couple with two finished in-office assessments (a trend) and homework."""

    counselor_id: str
    client_id: str
    #: The device link of the latest assessment (both partners finished and consented).
    device_token: str


def practice(db_path: Path, username: str = "ana", label: str = "Couple 0317") -> Practice:
    """A counselor (an admin if the first, password PASSWORD) with one couple: two finished
    assessments in the office, and a suggestion set as homework."""
    with store_at(db_path) as store:
        desk = CounselorDesk(store)
        counselor_id = desk.add_counselor(username, PASSWORD, username.title())
        client_id = desk.add_client(counselor_id, label)
        token = ""
        for _ in range(2):
            couple_id, token = desk.start_in_office(counselor_id, client_id)
            record = store.couple(couple_id)
            assert record is not None
            for partner in record.partners:
                store.give_counselor_consent(partner.person_id)
                store.save_answers(partner.person_id, middle_answers(), VERSIONS)
                store.finish(partner.person_id, "scores")
        desk.assign_homework(counselor_id, client_id, [CONTENT.suggestions[0].id])
    return Practice(counselor_id, client_id, token)


def one_device_couple(db_path: Path) -> str:
    """A couple who just started on one device, nobody has answered yet; its device token."""
    with store_at(db_path) as store:
        _couple_id, token, _people = store.create_couple_one_device()
    return token


def office_visit(db_path: Path, office: Practice) -> str:
    """A new assessment in the counselor's office, nobody has agreed or answered yet; its device token."""
    with store_at(db_path) as store:
        _couple_id, token = CounselorDesk(store).start_in_office(office.counselor_id, office.client_id)
    return token


def unsafe_assessment_finished(desk: CounselorDesk, counselor_id: str, client_id: str) -> None:
    """An in-office assessment both partners finish, consenting; partner 2 answers "No" to
    feeling safe (a concern for the counselor's private panel)."""
    couple_id, _token = desk.start_in_office(counselor_id, client_id)
    record = desk.store.couple(couple_id)
    assert record is not None
    for partner in record.partners:
        desk.store.give_counselor_consent(partner.person_id)
        desk.store.save_answers(partner.person_id, {"worth_it": {"safe": 0 if partner.slot == 2 else 2}}, VERSIONS)
        desk.store.finish(partner.person_id, "scores")
