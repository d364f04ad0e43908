"""Load and validate the content files under ``questions/data``.

A bad file raises :class:`ContentError` whose message names the file and the
field, so the app can stop with one clear line instead of a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from questions.guidance import Guidance, Suggestion, SuggestionFile
from questions.schema import Condition, Questionnaire

DATA_DIR = Path(__file__).resolve().parent / "data"
QUESTIONNAIRE_FILES = ("worth_it.yaml", "intimacy.yaml")
SUGGESTIONS_FILE = "suggestions.yaml"
GUIDANCE_FILE = "guidance.yaml"
#: libyaml's safe loader when PyYAML was built with it (it is in the PyPI wheels): the same
#: data as yaml.SafeLoader, about ten times faster, which is most of ``python -m scoring``'s start-up.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ModelT = TypeVar("ModelT", bound=BaseModel)


class ContentError(Exception):
    """A content file is missing or invalid; the message names file and field."""


@dataclass(frozen=True)
class Content:
    questionnaires: dict[str, Questionnaire]
    suggestions: tuple[Suggestion, ...]
    guidance: Guidance

    def questionnaire(self, questionnaire_id: str) -> Questionnaire:
        return self.questionnaires[questionnaire_id]


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ContentError(f"{path.name}: not UTF-8 text (byte {exc.start})") from exc
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ContentError(f"{path.name}: not valid YAML{where}") from exc


def _format_location(location: tuple[int | str, ...], data: Any) -> str:
    """Turn a pydantic location into a dotted path, naming list entries by id."""
    parts: list[str] = []
    node = data
    for key in location:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            entry = node[key]
            label = entry.get("id") if isinstance(entry, dict) else None
            parts.append(str(label) if label else str(key))
            node = entry
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


def parse_file(path: Path, model: type[ModelT]) -> ModelT:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: the file must hold a mapping at the top")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _format_location(tuple(error["loc"]), data)
        message = str(error["msg"]).removeprefix("Value error, ")
        field = f"{where}: " if where else ""
        raise ContentError(f"{path.name}: {field}{message}") from exc


def _scale_refs(questionnaires: dict[str, Questionnaire]) -> set[str]:
    """Every scale as ``questionnaire.scale``."""
    return {f"{q.id}.{scale.id}" for q in questionnaires.values() for scale in q.scales}


def _check_suggestions(suggestions: tuple[Suggestion, ...], questionnaires: dict[str, Questionnaire]) -> None:
    known = _scale_refs(questionnaires)
    seen: set[str] = set()
    for suggestion in suggestions:
        if suggestion.id in seen:
            raise ContentError(f"{SUGGESTIONS_FILE}: suggestions.{suggestion.id}: duplicate id")
        seen.add(suggestion.id)
        for ref in suggestion.scales:
            if ref not in known:
                raise ContentError(f"{SUGGESTIONS_FILE}: suggestions.{suggestion.id}.scales: unknown scale {ref!r}")
    served = {ref for s in suggestions for ref in s.scales}
    for questionnaire in questionnaires.values():
        if questionnaire.verdict is not None:
            continue  # the worth-it verdict has its own bands, not exercises
        for scale in questionnaire.scales:
            if f"{questionnaire.id}.{scale.id}" not in served:
                raise ContentError(f"{SUGGESTIONS_FILE}: no suggestion serves scale {questionnaire.id}.{scale.id}")


def _check_condition(where: str, condition: Condition, questionnaires: dict[str, Questionnaire]) -> None:
    kind, ref = condition.refs()
    questionnaire_id, _, name = ref.partition(".")
    questionnaire = questionnaires.get(questionnaire_id)
    if not name or questionnaire is None:
        raise ContentError(f"{GUIDANCE_FILE}: {where}: {ref!r} must be 'questionnaire.{kind}'")
    if kind == "scale" and name not in {s.id for s in questionnaire.scales}:
        raise ContentError(f"{GUIDANCE_FILE}: {where}: unknown scale {ref!r}")
    if kind == "stage" and name not in {s.id for s in questionnaire.stages}:
        raise ContentError(f"{GUIDANCE_FILE}: {where}: unknown stage {ref!r}")
    if kind == "item":
        item = questionnaire.items_by_id.get(name)
        if item is None or item.safety:
            # Safety answers lead to the safety override alone, never to a reading.
            raise ContentError(f"{GUIDANCE_FILE}: {where}: unknown item {ref!r}")
        values = questionnaire.response_set_of(item).values
        bad = [v for v in condition.values + condition.not_values if v not in values]
        if bad:
            raise ContentError(f"{GUIDANCE_FILE}: {where}: {bad} are not values of {ref!r}")


def _check_guidance(guidance: Guidance, questionnaires: dict[str, Questionnaire]) -> None:
    seen: set[str] = set()
    for reading in guidance.readings:
        if reading.id in seen:
            raise ContentError(f"{GUIDANCE_FILE}: readings.{reading.id}: duplicate id")
        seen.add(reading.id)
        for condition in reading.all_conditions:
            _check_condition(f"readings.{reading.id}.conditions", condition, questionnaires)
    for sign in guidance.discernment.signs:
        questionnaire_id, _, item_id = sign.partition(".")
        questionnaire = questionnaires.get(questionnaire_id)
        item = questionnaire.items_by_id.get(item_id) if questionnaire else None
        if item is None or item.kind != "checklist" or item.safety:
            raise ContentError(f"{GUIDANCE_FILE}: discernment.signs: {sign!r} is not a checklist sign")
    for ref in guidance.step_rules.first:
        if ref not in _scale_refs(questionnaires):
            raise ContentError(f"{GUIDANCE_FILE}: step_rules: unknown scale {ref!r}")


def load_content(directory: Path = DATA_DIR) -> Content:
    """Read every content file, validate it and check references across files."""
    questionnaires: dict[str, Questionnaire] = {}
    for name in QUESTIONNAIRE_FILES:
        questionnaire = parse_file(directory / name, Questionnaire)
        if questionnaire.id in questionnaires:
            raise ContentError(f"{name}: id: duplicate questionnaire id {questionnaire.id!r}")
        questionnaires[questionnaire.id] = questionnaire
    suggestions = parse_file(directory / SUGGESTIONS_FILE, SuggestionFile).suggestions
    _check_suggestions(suggestions, questionnaires)
    guidance = parse_file(directory / GUIDANCE_FILE, Guidance)
    _check_guidance(guidance, questionnaires)
    return Content(questionnaires=questionnaires, suggestions=suggestions, guidance=guidance)


@functools.cache
def default_content() -> Content:
    """The shipped content, read once per process (it is the same for everyone)."""
    return load_content()


def source_title(file: str, content: Content | None = None) -> str:
    """A seed file's article title (the file name itself if it has none)."""
    return (content or default_content()).guidance.source_titles.get(file, file)


def source_titles(files: Iterable[str], content: Content | None = None) -> str:
    """Cited seeds as people read them: the article titles, joined by "; "."""
    return "; ".join(source_title(f, content) for f in files)
