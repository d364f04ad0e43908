"""One couple on a counselor's roster."""

from ui import client_view

client_view.render_client()
