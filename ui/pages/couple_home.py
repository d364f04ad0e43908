"""The couple's home: whose turn, the join code, the steps."""

from ui import couple_view

couple_view.render_home()
