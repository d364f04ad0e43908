"""The presentation view for a shared screen."""

from ui import counselor_view

counselor_view.render_presentation()
