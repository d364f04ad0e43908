"""The couple's comparison, or the wait for the partner."""

from ui import comparison_view

comparison_view.render_comparison()
