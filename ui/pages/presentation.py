"""The presentation view for a shared screen."""

from ui import presentation_view

presentation_view.render_presentation()
