"""Questionnaires and suggestions as data, with a typed schema and a loader."""

from questions.loader import Content, ContentError, default_content, load_content

__all__ = ["Content", "ContentError", "default_content", "load_content"]
