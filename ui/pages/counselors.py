"""Counselor accounts, for admin counselors."""

from ui import accounts_view

accounts_view.render_counselors()
