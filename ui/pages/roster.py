"""A counselor's roster of couples."""

from ui import counselor_view

counselor_view.render_roster()
