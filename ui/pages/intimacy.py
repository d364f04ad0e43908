"""The "Is our intimacy fading?" questionnaire."""

from ui import questionnaire_view

questionnaire_view.render("intimacy")
