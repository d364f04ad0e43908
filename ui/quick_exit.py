"""A quick exit on every page a person or partner sees (after GOV.UK's "Exit this page").

It is the first stop in keyboard order (the first Tab on a page lands on it; no
tabindex above 0, which would reorder everything else), stays on screen (fixed to the
viewport's corner, on a phone too), also answers to pressing Shift three times (said
only where there is a keyboard: a fine pointer that hovers), and leaves without a trace
the Back or Forward button could find: the tab forgets its link (ui/link_carrier.py)
and the neutral site replaces the current history entry. The markup is a constant: no
user text ever reaches it, which is why it may carry JavaScript.
"""

from __future__ import annotations

import streamlit as st

from ui import browser

#: Where the exit goes: a neutral, everyday page (GOV.UK uses the same).
EXIT_URL = "https://www.bbc.co.uk/weather"

QUICK_EXIT_HTML = browser.Snippet("""
<div class="spark-quick-exit">
  <a id="spark-quick-exit" href="https://www.bbc.co.uk/weather" rel="noreferrer">Exit this page</a>
  <span>or press Shift three times</span>
</div>
<script>
(function () {
  var target = "https://www.bbc.co.uk/weather";
  function leave(event) {
    if (event) { event.preventDefault(); }
    try { sessionStorage.clear(); } catch (e) {}
    try { document.body.innerHTML = ""; } catch (e) {}
    try { window.history.replaceState(null, "", "/"); } catch (e) {}
    window.location.replace(target);
  }
  var link = document.getElementById("spark-quick-exit");
  if (link && !link.dataset.bound) {
    link.dataset.bound = "1";
    link.addEventListener("click", leave);
  }
  if (!window.__sparkQuickExit) {
    window.__sparkQuickExit = true;
    var presses = [];
    document.addEventListener("keydown", function (event) {
      var exit = document.getElementById("spark-quick-exit");
      var start = !document.activeElement || document.activeElement === document.body;
      if (event.key === "Tab" && !event.shiftKey && start && exit) { event.preventDefault(); exit.focus(); }
      if (event.key !== "Shift") { presses = []; return; }
      var now = Date.now();
      presses = presses.filter(function (t) { return now - t < 1000; });
      presses.push(now);
      if (presses.length >= 3) { leave(); }
    });
  }
})();
</script>
""")


#: What ``render`` draws: the control, then the page's style (``browser.PAGE_CSS``, which also
#: places the control). One element: the style alone would be one more at every run.
STYLED_QUICK_EXIT = browser.Snippet(QUICK_EXIT_HTML + "\n" + browser.PAGE_CSS)


def render() -> None:
    """Draw the quick-exit control and the page's style: once, at the top of every page a
    person or partner sees (a counselor's pages draw the style alone: ``browser.page_style``)."""
    st.html(STYLED_QUICK_EXIT, unsafe_allow_javascript=True)
