"""The person's results: strengths, chart, verdict, next steps."""

from ui import results_view

results_view.render()
