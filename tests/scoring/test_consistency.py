"""The consistency check, calibrated on simulated respondents (issue 19, item 2).

``scoring.engine.consistency`` calls answers "contradictory" when the two items of
``CONTRADICTION_PAIRS`` of the questionnaire's chosen pairs (``consistency_pairs`` in
intimacy.yaml: items of near-opposite or near-identical meaning) are two steps or more
apart. Every respondent here is drawn from a generator with a fixed seed, so the figures
are the same on every run; docs/CONTENT.md gives them, and the last test keeps it true.

* Random clickers: every question answered at random, "doesn't apply" included.
* Straight-liners: one option everywhere.
* Careful people, re-answering: each topic has a level; each item an honest answer near it
  (items of a topic ask different things, so one step either way); the second item of a
  pair the same answer as the first (mirrored when reverse-keyed), or one step off half the
  time (near-identical is not identical); then a one-step wobble on 15% of items, as when
  answering again on another day.
* The persona fixtures (tests/scoring/personas.py) other than the random clicker and the
  all-middle straight-liner, re-answering with the same wobble.
"""

from __future__ import annotations

import random
import re

import pytest

from questions.loader import Content, default_content
from scoring.engine import CONTRADICTION_GAP, CONTRADICTION_PAIRS, consistency, item_points
from scoring.results import AnswerValue
from tests.scoring.personas import CONTENT_MD, personas

CONTENT: Content = default_content()
INTIMACY = CONTENT.questionnaire("intimacy")
SCORED = [item for item in INTIMACY.items if item.kind == "scored"]
SEED = 19
RESPONDENTS = 2000
PERSONA_RETAKES = 200
WOBBLE = 0.15
STEPS = (1, 2, 3, 4, 5)

Answers = dict[str, AnswerValue]


def _mirror(item_id: str, position: int) -> int:
    """The answer that stands at ``position`` (1 worst, 5 best) on this item."""
    return 6 - position if INTIMACY.item(item_id).reverse else position


def random_clicker(rng: random.Random) -> Answers:
    return {item.id: rng.choice(sorted(INTIMACY.response_set_of(item).values)) for item in SCORED}


def straight_liner(rng: random.Random) -> Answers:
    value = rng.choice(STEPS)
    return {item.id: value for item in SCORED}


def careful(rng: random.Random) -> Answers:
    level = {scale.id: rng.choice(STEPS) for scale in INTIMACY.scales}
    position = {item.id: min(5, max(1, level[item.scale or ""] + rng.choice((-1, 0, 0, 1)))) for item in SCORED}
    for first, second in INTIMACY.consistency_pairs:
        slip = rng.choice((-1, 1)) if rng.random() < 0.5 else 0
        position[second] = min(5, max(1, position[first] + slip))
    return {item_id: _mirror(item_id, at) for item_id, at in position.items()}


def wobble(rng: random.Random, answers: Answers) -> Answers:
    """Answering again: 15% of the scored answers move one step (never onto "doesn't apply")."""
    moved = dict(answers)
    for item in SCORED:
        value = answers.get(item.id)
        if isinstance(value, int) and value in STEPS and rng.random() < WOBBLE:
            moved[item.id] = rng.choice([v for v in (value - 1, value + 1) if v in STEPS])
    return moved


def flagged_share(respondents: list[Answers]) -> float:
    return sum(consistency(INTIMACY, answers) is not None for answers in respondents) / len(respondents)


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")


def measured() -> dict[str, float]:
    """Each group's share of respondents flagged (fixed seeds)."""
    clicking, lining, careful_rng = _rng("random"), _rng("straight"), _rng("careful")
    retakes = _rng("personas")
    fixtures = [p for p in personas(CONTENT).values() if p.id not in ("random_clicking", "all_middle")]
    return {
        "random clickers": flagged_share([random_clicker(clicking) for _ in range(RESPONDENTS)]),
        "straight-liners": flagged_share([straight_liner(lining) for _ in range(RESPONDENTS)]),
        "careful people, re-answering": flagged_share(
            [wobble(careful_rng, careful(careful_rng)) for _ in range(RESPONDENTS)]
        ),
        "the persona fixtures, re-answering": flagged_share(
            [
                wobble(retakes, persona.answers.get("intimacy", {}))
                for persona in fixtures
                for _ in range(PERSONA_RETAKES)
            ]
        ),
    }


MEASURED = measured()


def test_random_clickers_and_straight_liners_are_flagged() -> None:
    assert MEASURED["random clickers"] >= 0.95
    assert MEASURED["straight-liners"] >= 0.95


def test_careful_people_answering_again_are_rarely_flagged() -> None:
    assert MEASURED["careful people, re-answering"] <= 0.05
    assert MEASURED["the persona fixtures, re-answering"] <= 0.05


def test_the_careful_persona_with_honestly_mixed_answers_is_not_flagged() -> None:
    # Issue 19: feeling heard and talk that is mostly logistics, laughing and predictable
    # weeks, a team and worries crowding in, all "Very true": none of these is a pair.
    answers = personas(CONTENT)["careful_mixed"].answers["intimacy"]
    for straight, reverse in (("comm_heard", "comm_logistics"), ("nov_laugh", "nov_predictable")):
        assert (answers[straight], answers[reverse]) == (5, 5)
    assert (answers["load_team"], answers["load_crowded"]) == (5, 5)
    assert consistency(INTIMACY, answers) is None
    pairs = {frozenset(pair) for pair in INTIMACY.consistency_pairs}
    for apart in (("comm_heard", "comm_logistics"), ("nov_laugh", "nov_predictable"), ("load_team", "load_crowded")):
        assert frozenset(apart) not in pairs


def test_three_pairs_two_steps_apart_flag_and_doesnt_apply_leaves_a_pair_out() -> None:
    assert (CONTRADICTION_GAP, CONTRADICTION_PAIRS) == (50.0, 3)
    agree = {item_id: _mirror(item_id, 4) for pair in INTIMACY.consistency_pairs for item_id in pair}
    assert consistency(INTIMACY, agree) is None
    apart = dict(agree)
    sexual = next(pair for pair in INTIMACY.consistency_pairs if pair[0].startswith("sex_"))
    others = [pair for pair in INTIMACY.consistency_pairs if pair != sexual]
    for _first, second in others[:2]:
        apart[second] = _mirror(second, 2)
    assert consistency(INTIMACY, apart) is None
    apart[sexual[1]] = _mirror(sexual[1], 2)
    points = [item_points(INTIMACY, INTIMACY.item(i), apart[i]) for i in sexual]  # type: ignore[arg-type]
    assert abs(points[0] - points[1]) == CONTRADICTION_GAP
    assert consistency(INTIMACY, apart) == "contradictory"
    assert consistency(INTIMACY, {**apart, sexual[0]: 0}) is None  # "doesn't apply to us"


@pytest.mark.parametrize("pair", INTIMACY.consistency_pairs, ids="/".join)
def test_each_pair_holds_two_scored_items_of_the_intimacy_questionnaire(pair: tuple[str, str]) -> None:
    assert all(INTIMACY.item(item_id).kind == "scored" for item_id in pair)
    assert len({item_id for p in INTIMACY.consistency_pairs for item_id in p}) == 2 * len(INTIMACY.consistency_pairs)


def test_content_md_gives_the_pairs_and_the_measured_figures() -> None:
    text = CONTENT_MD.read_text(encoding="utf-8")
    section = text[text.index("### When the answers may not reflect the person") :]
    section = section[: section.index("\n### ", 1)]
    for first, second in INTIMACY.consistency_pairs:
        assert re.search(rf"`{first}`.*`{second}`", section), f"{first} / {second} is not in docs/CONTENT.md"
    for group, share in MEASURED.items():
        assert f"| {group} | {share:.1%} |" in section, f"docs/CONTENT.md: {group} {share:.1%}"
