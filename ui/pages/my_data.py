"""Resume link, downloads, import, and deleting one's answers."""

from ui import data_view

data_view.render()
