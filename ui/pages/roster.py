"""A counselor's roster of couples."""

from ui import roster_view

roster_view.render_roster()
