"""A counselor's CSV export."""

from ui import counselor_view

counselor_view.render_export()
