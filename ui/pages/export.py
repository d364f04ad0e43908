"""A counselor's CSV export."""

from ui import roster_view

roster_view.render_export()
