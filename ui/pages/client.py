"""One couple on a counselor's roster."""

from ui import counselor_view

counselor_view.render_client()
