"""The shipped content loads, cites real seeds, and bad files fail with one clear message."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from questions.loader import (
    DATA_DIR,
    GUIDANCE_FILE,
    SUGGESTIONS_FILE,
    Content,
    ContentError,
    default_content,
    load_content,
)
from questions.schema import SEED_PATTERN

#: The seeds live next to the repository in the shared workspace; tests must not need them.
SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

YamlData = dict[str, Any]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of questions/data that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(directory: Path, name: str, change: Callable[[YamlData], None]) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _item(data: YamlData, item_id: str) -> dict[str, Any]:
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] == item_id:
                return item
    raise KeyError(item_id)


def _load_error(directory: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    message = str(caught.value)
    assert "\n" not in message, "a content error is one line"
    assert "Traceback" not in message
    return message


def _citations(content: Content) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every (what, sources) pair that must cite a seed."""
    for questionnaire in content.questionnaires.values():
        qid = questionnaire.id
        yield qid, questionnaire.sources
        for scale in questionnaire.scales:
            yield f"{qid}.scales.{scale.id}", scale.sources
        for item in questionnaire.items:
            yield f"{qid}.items.{item.id}", item.sources
        if questionnaire.verdict is not None:
            for band_name in ("worth_fighting_for", "different_conversation", "mixed"):
                yield f"{qid}.verdict.{band_name}", getattr(questionnaire.verdict, band_name).sources
        if questionnaire.support is not None:
            yield f"{qid}.support.band", questionnaire.support.band.sources
        for stage in questionnaire.stages:
            yield f"{qid}.stages.{stage.id}", stage.sources
    for suggestion in content.suggestions:
        yield f"suggestions.{suggestion.id}", suggestion.sources
    guidance = content.guidance
    for band_name in ("individual_support", "professional_help", "partner_not_on_board", "start_small", "discernment"):
        yield f"guidance.{band_name}", getattr(guidance, band_name).sources
    yield "guidance.discernment.finding_help", guidance.discernment.finding_help.sources
    for band_name in ("to_partner_stepping_back", "shared", "willing_split"):
        yield f"guidance.couple.{band_name}", getattr(guidance.couple, band_name).sources
    for reading in guidance.readings:
        yield f"guidance.readings.{reading.id}", reading.sources
    for kind in guidance.help_kinds:
        yield f"guidance.help_kinds.{kind.id}", kind.sources


# --------------------------------------------------------------------------- shipped content


def test_the_shipped_content_loads_and_has_both_questionnaires(content: Content) -> None:
    assert set(content.questionnaires) == {"worth_it", "intimacy"}
    assert content.suggestions
    assert content.guidance.safety_resources
    assert default_content() == content


@pytest.mark.parametrize("name", sorted(path.name for path in DATA_DIR.iterdir() if path.is_file()))
def test_every_data_file_is_read_by_load_content(data_copy: Path, name: str) -> None:
    """Break each file in turn: load_content must notice, so no file can go unchecked."""
    (data_copy / name).write_text("id: [unclosed\n", encoding="utf-8")
    assert _load_error(data_copy).startswith(f"{name}: ")


def test_every_citation_is_a_seed_file_name(content: Content) -> None:
    citations = list(_citations(content))
    assert len(citations) > 100
    seeds_present = SEEDS_DIR.is_dir()
    for what, sources in citations:
        assert sources, f"{what} cites no seed"
        for source in sources:
            assert SEED_PATTERN.fullmatch(source), f"{what} cites {source!r}"
            if seeds_present:
                assert (SEEDS_DIR / source).is_file(), f"{what} cites {source}, which is not in {SEEDS_DIR}"


def test_the_seed_folder_holds_every_cited_seed_when_present(content: Content) -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"no seed folder at {SEEDS_DIR}")
    cited = {source for _, sources in _citations(content) for source in sources}
    on_disk = {path.name for path in SEEDS_DIR.iterdir()}
    assert cited <= on_disk
    # The brief names five seeds, 000 to 004; the content draws on all of them.
    assert {name[:3] for name in cited} == {"000", "001", "002", "003", "004"}


def test_worth_it_has_six_verdict_items_and_safe_is_the_safety_item(content: Content) -> None:
    worth_it = content.questionnaire("worth_it")
    verdict_items = [item for item in worth_it.items if item.kind == "verdict"]
    assert len(verdict_items) == 6
    assert {item.id for item in verdict_items if item.safety} == {"safe"}
    safe = worth_it.item("safe")
    assert worth_it.verdict is not None
    assert worth_it.verdict.no_value in safe.unsafe_values
    assert worth_it.verdict.yes_value not in safe.unsafe_values
    assert worth_it.verdict.most == 4


def test_intimacy_scales_have_three_to_five_items_reverse_keys_and_one_importance(content: Content) -> None:
    intimacy = content.questionnaire("intimacy")
    assert len(intimacy.scales) >= 8
    for scale in intimacy.scales:
        scored = [i for i in intimacy.items if i.scale == scale.id and i.kind == "scored"]
        importance = [i for i in intimacy.items if i.scale == scale.id and i.kind == "importance"]
        assert 3 <= len(scored) <= 5, scale.id
        assert len(importance) == 1, scale.id
        assert any(i.reverse for i in scored), f"{scale.id} has no reverse-keyed item"
        assert any(not i.reverse for i in scored), f"{scale.id} has only reverse-keyed items"
    assert {i.id for i in intimacy.items if i.safety} == {"abuse"}


def test_every_scored_scale_of_three_or_more_items_has_two_reverse_keyed_items(content: Content) -> None:
    """Balanced keying (issue 11): straight "Very true" answers must not read as strengths."""
    for questionnaire in content.questionnaires.values():
        for scale in questionnaire.scales:
            scored = [i for i in questionnaire.items_by_scale[scale.id] if i.kind == "scored"]
            if len(scored) >= 3:
                reverse = [i.id for i in scored if i.reverse]
                assert len(reverse) >= 2, f"{questionnaire.id}.{scale.id} has reverse-keyed items {reverse}"


def test_answers_saved_before_the_new_items_still_score(content: Content) -> None:
    """Version 1 answers (without the items added in version 2) still give every scale a score."""
    from scoring.engine import score_questionnaire

    intimacy = content.questionnaire("intimacy")
    added = {
        "comm_defensive",
        "appr_unsaid",
        "qt_weeks_pass",
        "nov_no_fun",
        "aff_days_apart",
        "sex_steer_around",
        "conf_stay_distant",
        "open_surface",
    }
    assert intimacy.version >= 2
    old = {i.id: 3 for i in intimacy.items if i.kind == "scored" and i.id not in added}
    assert all(s.score == 50.0 for s in score_questionnaire(intimacy, old).scales)


def test_every_intimacy_scale_is_served_by_a_suggestion_for_each_audience(content: Content) -> None:
    intimacy = content.questionnaire("intimacy")
    for scale in intimacy.scales:
        ref = f"intimacy.{scale.id}"
        # A rekindling step for every topic and audience: the topic of highest need picks
        # first, so it always gets one (docs/CONTENT.md, "Next steps").
        serving = [s for s in content.suggestions if ref in s.scales and s.purpose == "rekindle"]
        assert serving, ref
        for audience in ("solo", "couple"):
            assert any(audience in s.audience for s in serving), f"{ref} has no step for {audience}"


# --------------------------------------------------------------------------- bad files


def test_duplicate_item_id_names_file_and_item(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["sections"][0]["items"][1]["id"] = data["sections"][0]["items"][0]["id"]

    _edit(data_copy, "intimacy.yaml", change)
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: ")
    assert "items" in message
    assert "duplicate" in message
    assert "comm_heard" in message


def test_unknown_scale_on_an_item_names_the_item_and_field(data_copy: Path) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: _item(data, "comm_heard").update(scale="no_such_scale"))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: ")
    assert "sections.communication.items.comm_heard.scale" in message
    assert "no_such_scale" in message


def test_duplicate_option_values_name_the_response_set(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["response_sets"]["agreement"]["options"][1]["value"] = 1

    _edit(data_copy, "intimacy.yaml", change)
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: response_sets.agreement.options: ")
    assert "distinct" in message


def test_doesnt_apply_is_offered_only_on_scored_items(data_copy: Path) -> None:
    _edit(
        data_copy,
        "intimacy.yaml",
        lambda data: _item(data, "sexual_intimacy_importance").update(response_set="agreement_or_not_applicable"),
    )
    message = _load_error(data_copy)
    assert "sexual_intimacy_importance.response_set" in message
    assert "does not apply" in message


def test_a_response_set_has_at_most_one_doesnt_apply_option(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["response_sets"]["agreement_or_not_applicable"]["options"][0]["not_applicable"] = True

    _edit(data_copy, "intimacy.yaml", change)
    assert "response_sets.agreement_or_not_applicable.options" in _load_error(data_copy)


def test_reverse_keyed_importance_item_is_refused(data_copy: Path) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: _item(data, "communication_importance").update(reverse=True))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: sections.communication.items.communication_importance")
    assert "reverse" in message


def test_unsafe_values_outside_the_response_set_are_refused(data_copy: Path) -> None:
    _edit(data_copy, "worth_it.yaml", lambda data: _item(data, "safe").update(unsafe_values=[0, 7]))
    message = _load_error(data_copy)
    assert message.startswith("worth_it.yaml: ")
    assert "sections.worth_it.items.safe.unsafe_values" in message


@pytest.mark.parametrize(
    ("name", "item_id", "where"),
    [
        ("intimacy.yaml", "comm_heard", "sections.communication.items.comm_heard.sources"),
        ("worth_it.yaml", "safe", "sections.worth_it.items.safe.sources"),
    ],
)
def test_empty_sources_name_file_item_and_field(data_copy: Path, name: str, item_id: str, where: str) -> None:
    _edit(data_copy, name, lambda data: _item(data, item_id).update(sources=[]))
    message = _load_error(data_copy)
    assert message.startswith(f"{name}: {where}: ")
    assert "citation" in message


def test_missing_sources_field_is_refused(data_copy: Path) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: _item(data, "comm_heard").pop("sources"))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: sections.communication.items.comm_heard.sources: ")


def test_scale_without_sources_names_the_scale(data_copy: Path) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: data["scales"][2].update(sources=[]))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: scales.quality_time.sources: ")


@pytest.mark.parametrize("bad", ["001_c9d6df4d0b5d511b.md", "seed_one.txt", "1_c9d6df4d0b5d511b.txt", "../001.txt"])
def test_malformed_seed_name_is_refused(data_copy: Path, bad: str) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: _item(data, "appr_granted").update(sources=[bad]))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: sections.appreciation.items.appr_granted.sources: ")
    assert bad in message


def test_malformed_seed_name_in_a_suggestion_is_refused(data_copy: Path) -> None:
    _edit(data_copy, SUGGESTIONS_FILE, lambda data: data["suggestions"][0].update(sources=["weekly.txt"]))
    message = _load_error(data_copy)
    assert message.startswith("suggestions.yaml: suggestions.weekly_check_in.sources: ")


def test_malformed_seed_name_in_guidance_is_refused(data_copy: Path) -> None:
    _edit(data_copy, GUIDANCE_FILE, lambda data: data["help_kinds"][1].update(sources=["004.txt"]))
    message = _load_error(data_copy)
    assert message.startswith("guidance.yaml: help_kinds.sex_therapy.sources: ")


def test_invalid_yaml_names_the_file_and_line(data_copy: Path) -> None:
    path = data_copy / "intimacy.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "title: [this is not closed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: not valid YAML at line ")


@pytest.mark.parametrize("text", ["- id: worth_it\n- id: intimacy\n", "", "just a sentence\n"])
def test_a_file_without_a_top_level_mapping_is_refused(data_copy: Path, text: str) -> None:
    (data_copy / "worth_it.yaml").write_text(text, encoding="utf-8")
    message = _load_error(data_copy)
    assert message == "worth_it.yaml: the file must hold a mapping at the top"


def test_missing_file_names_the_file(data_copy: Path) -> None:
    (data_copy / GUIDANCE_FILE).unlink()
    message = _load_error(data_copy)
    assert message.startswith("guidance.yaml: cannot be read")


def test_unknown_field_is_refused(data_copy: Path) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: _item(data, "comm_heard").update(weight=2))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: sections.communication.items.comm_heard.weight: ")


def test_suggestion_pointing_to_an_unknown_scale_names_the_suggestion(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        suggestion = next(s for s in data["suggestions"] if s["id"] == "daily_thanks")
        suggestion["scales"] = ["intimacy.gratitude"]

    _edit(data_copy, SUGGESTIONS_FILE, change)
    message = _load_error(data_copy)
    assert message.startswith("suggestions.yaml: suggestions.daily_thanks.scales: ")
    assert "intimacy.gratitude" in message


def test_suggestion_pointing_to_an_unknown_questionnaire_is_refused(data_copy: Path) -> None:
    _edit(data_copy, SUGGESTIONS_FILE, lambda data: data["suggestions"][0].update(scales=["closeness.communication"]))
    message = _load_error(data_copy)
    assert message.startswith("suggestions.yaml: suggestions.weekly_check_in.scales: ")


def test_a_scale_no_suggestion_serves_is_refused(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["suggestions"] = [s for s in data["suggestions"] if "intimacy.independence_balance" not in s["scales"]]

    _edit(data_copy, SUGGESTIONS_FILE, change)
    message = _load_error(data_copy)
    assert message == "suggestions.yaml: no suggestion serves scale intimacy.independence_balance"


def test_duplicate_suggestion_id_is_refused(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["suggestions"][1]["id"] = data["suggestions"][0]["id"]

    _edit(data_copy, SUGGESTIONS_FILE, change)
    message = _load_error(data_copy)
    assert message.startswith("suggestions.yaml: suggestions.weekly_check_in")
    assert "duplicate" in message


def test_stage_condition_on_an_unknown_scale_is_refused(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["stages"][1]["requires"][0]["scale"] = "talking"  # escalation: talking is in "requires" now

    _edit(data_copy, "intimacy.yaml", change)
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: ")
    assert "stages.escalation.conditions" in message
    assert "talking" in message


def test_two_questionnaires_with_the_same_id_are_refused(data_copy: Path) -> None:
    _edit(data_copy, "intimacy.yaml", lambda data: data.update(id="worth_it"))
    message = _load_error(data_copy)
    assert message.startswith("intimacy.yaml: id: ")


def test_a_file_that_is_not_utf8_names_the_file(data_copy: Path) -> None:
    path = data_copy / "worth_it.yaml"
    path.write_bytes(path.read_bytes().replace(b'"Yes"', b'"S\xed"'))  # "Sí" in Latin-1
    message = _load_error(data_copy)
    assert message.startswith("worth_it.yaml: ")


def test_a_reading_on_an_unknown_item_is_refused(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["readings"][0]["requires"][0]["item"] = "worth_it.no_such_item"

    _edit(data_copy, GUIDANCE_FILE, change)
    message = _load_error(data_copy)
    assert message.startswith(f"{GUIDANCE_FILE}: readings.partner_not_on_board")
    assert "no_such_item" in message


def test_a_reading_on_a_safety_item_is_refused(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["readings"][0]["requires"][0]["item"] = "worth_it.safe"

    _edit(data_copy, GUIDANCE_FILE, change)
    assert "worth_it.safe" in _load_error(data_copy)


def test_a_sign_enough_alone_must_be_a_checklist_sign(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["support"]["enough_alone"].append("abuse")

    _edit(data_copy, "intimacy.yaml", change)
    assert "support.enough_alone" in _load_error(data_copy)


def test_a_stage_on_a_multi_choice_item_is_refused(data_copy: Path) -> None:
    """Stages are computed in bulk too (scoring/vectorised.py), on one-choice answers."""

    def change(data: YamlData) -> None:
        data["stages"][0]["requires"][0] = {"item": "pressures", "values": [1]}

    _edit(data_copy, "intimacy.yaml", change)
    assert "multi-choice" in _load_error(data_copy)


def test_the_partner_not_on_board_reading_is_required(data_copy: Path) -> None:
    def change(data: YamlData) -> None:
        data["readings"] = [r for r in data["readings"] if r["id"] != "partner_not_on_board"]

    _edit(data_copy, GUIDANCE_FILE, change)
    assert "partner_not_on_board" in _load_error(data_copy)


# --------------------------------------------------------------------------- derived indexes


def test_derived_indexes_are_worked_out_once_and_follow_the_sections(content: Content) -> None:
    intimacy = content.questionnaire("intimacy")
    assert intimacy.items is intimacy.items  # cached, not rebuilt on every access
    assert intimacy.response_sets["agreement"].values is intimacy.response_sets["agreement"].values
    assert intimacy.items == tuple(item for section in intimacy.sections for item in section.items)
    for scale in intimacy.scales:
        assert intimacy.items_by_scale[scale.id] == tuple(i for i in intimacy.items if i.scale == scale.id)
    assert all(intimacy.item(item.id) is item for item in intimacy.items)
    assert intimacy.model_dump().keys() == type(intimacy).model_fields.keys()  # no cache in the data
    assert intimacy == load_content().questionnaire("intimacy")


def test_a_copy_with_other_sections_works_its_indexes_out_afresh(content: Content) -> None:
    intimacy = content.questionnaire("intimacy")
    first = intimacy.sections[0]
    copy = intimacy.model_copy(update={"sections": (first,)})
    assert copy.items == first.items and len(intimacy.items) > len(first.items)
    assert set(copy.items_by_id) == {item.id for item in first.items}
    assert intimacy.model_copy(deep=True).items == intimacy.items
    rset = intimacy.response_sets["agreement"]
    fewer = rset.model_copy(update={"options": rset.options[:2]})
    assert (fewer.values, fewer.max_value, fewer.allowed) == ((1, 2), 2, frozenset({1, 2}))


def test_every_yes_and_no_question_offers_yes_first() -> None:
    """Issue 13: the support checklist offered No/Yes while worth-it offered Yes/No. Only the
    order shown changes: scoring reads values, never positions."""
    seen = 0
    for questionnaire in default_content().questionnaires.values():
        for name, rset in questionnaire.response_sets.items():
            labels = [option.label for option in rset.options]
            if "Yes" in labels and "No" in labels:
                seen += 1
                assert labels.index("Yes") < labels.index("No"), f"{questionnaire.id}.{name}: {labels}"
    assert seen >= 2
