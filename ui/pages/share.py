"""Finishing, and choosing what the partner may see."""

from ui import couple_view

couple_view.render_share()
