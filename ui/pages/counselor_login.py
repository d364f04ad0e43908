"""Counselor login."""

from ui import counselor_login_view

counselor_login_view.render_login()
