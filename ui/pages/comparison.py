"""The couple's comparison, or the wait for the partner."""

from ui import couple_view

couple_view.render_comparison()
