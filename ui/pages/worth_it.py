"""The "Is it worth it?" questionnaire."""

from ui import questionnaire_view

questionnaire_view.render("worth_it")
