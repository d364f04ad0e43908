"""Predicting how the partner sees each topic."""

from ui import couple_view

couple_view.render_predictions()
