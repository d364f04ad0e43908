"""A quick exit for pages that show safety resources (after GOV.UK's "Exit this page").

It is the first stop in keyboard order (the first Tab on the page lands on it: no
tabindex above 0, which axe-core counts a serious fault), also answers to pressing
Shift three times, and replaces the current history entry with a neutral site
so the Back button doesn't return to this page. The markup is a constant: no
user text ever reaches it, which is why it may carry JavaScript.
"""

from __future__ import annotations

import streamlit as st

#: Where the exit goes: a neutral, everyday page (GOV.UK uses the same).
EXIT_URL = "https://www.bbc.co.uk/weather"

QUICK_EXIT_HTML = """
<div class="spark-quick-exit">
  <a id="spark-quick-exit" href="https://www.bbc.co.uk/weather" rel="noreferrer"
     style="display:inline-block;padding:.6rem 1.2rem;background:#b91c1c;color:#fff;font-weight:700;
            border-radius:.4rem;text-decoration:none;font-family:system-ui,sans-serif">
    Exit this page
  </a>
  <span style="margin-left:.6rem;font-size:.85rem;color:#52606d;font-family:system-ui,sans-serif">
    or press Shift three times
  </span>
</div>
<script>
(function () {
  var target = "https://www.bbc.co.uk/weather";
  function leave(event) {
    if (event) { event.preventDefault(); }
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
      var nowhere = !document.activeElement || document.activeElement === document.body;
      if (event.key === "Tab" && !event.shiftKey && nowhere && exit) {
        event.preventDefault();
        exit.focus();
      }
      if (event.key !== "Shift") { presses = []; return; }
      var now = Date.now();
      presses = presses.filter(function (t) { return now - t < 1000; });
      presses.push(now);
      if (presses.length >= 3) { leave(); }
    });
  }
})();
</script>
"""


def render() -> None:
    """Draw the quick-exit control. Call it first on a page that shows safety resources."""
    st.html(QUICK_EXIT_HTML, unsafe_allow_javascript=True)
