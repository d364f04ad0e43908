"""Welcome: what Spark Check is, what it is not, and where to start."""

from ui import welcome_view

welcome_view.render()
