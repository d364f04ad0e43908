"""Counselor login."""

from ui import counselor_view

counselor_view.render_login()
