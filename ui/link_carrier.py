"""Links never stay in the address bar or the browser's history (docs/SECURITY.md,
"How links are carried").

A link — ``?r=`` (a person's or partner's), ``?d=`` (a couple's on one device) or
``?join=`` (a join code) — is taken from the address once. The page's script
(``CARRY_LINK``, below) keeps it in this tab's ``sessionStorage`` and replaces
the address with one without it (``location.replace``: no history entry keeps it). A
reload of the tab hands it back in a cookie that lives 30 seconds (``spark_link``,
SameSite=Strict, the app's path), written as the page unloads, or, when the tab was not
unloaded (a lost connection, a replica that died, a discarded tab), by reloading once.
"Exit this page" empties the tab's ``sessionStorage`` first: Back and Forward resume nothing.

The script's modes (``carry``): ``keep_<r|d|j>_<token>`` — the tab holds this link, the cookie
is spent; ``mine_…`` — the same, for a link that came in the cookie, if this tab holds it
(else it came from another tab within the 30 seconds: this one reloads afresh);
``forget`` — the tab holds none; ``none`` — a fresh session, which the tab reloads once
with its link in the cookie if it holds one.
"""

from __future__ import annotations

import re

import streamlit as st

from ui import browser

#: The URL parameters that carry a link (ui/session.py names them), by the letter that
#: stands for them in the cookie (``r.TOKEN``, ``d.TOKEN``, ``j.CODE``).
PARAMS = {"d": "d", "r": "r", "j": "join"}
#: A token (``secrets.token_urlsafe``) or a join code: the only text that reaches the page's script.
FORMAT = re.compile(r"[A-Za-z0-9_-]{4,64}")
#: ``st.session_state`` keys kept across ``session.reset_widgets`` (they start with it).
PREFIX = "spark_link"
_TAKEN = f"{PREFIX}_taken"
_ARRIVED = f"{PREFIX}_arrived"
_HELD = f"{PREFIX}_held"
_VIA_COOKIE = f"{PREFIX}_via_cookie"
#: Hands a tab's link back to the server across a reload (30 s).
LINK_COOKIE = "spark_link"
#: Reads this run's ``spark_link_page_<hex path>_<mode>`` containers and does what the mode
#: says (``carry``); as the page unloads, puts the tab's link in the cookie. A constant: the
#: token reaches the page only in a container's class and the snippet's mark (``draw``),
#: validated by FORMAT.
CARRY_LINK = browser.Snippet(r"""
<script>
(function () {
  if (window.__sparkReloading) { return; }
  var found = Array.prototype.map.call(document.querySelectorAll('[class*="st-key-spark_link_"]'), function (box) {
    return !box.querySelector('[data-stale="true"]') && /st-key-spark_link_page_([0-9a-f]+)_((keep|mine)_[rdj]_[A-Za-z0-9_-]{4,64}|none|forget)(\s|$)/.exec(box.className);
  }).filter(Boolean).sort(function (a, b) { return (b[2].length > 6) - (a[2].length > 6); });
  if (!found.length) { return; }
  var path = found[0][1].replace(/../g, function (h) { return String.fromCharCode(parseInt(h, 16)); });
  var mode = found[0][2];
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  function cookie(value, seconds) {
    document.cookie = "spark_link=" + value + "; path=" + path + "; max-age=" + seconds + "; SameSite=Strict" + secure;
  }
  var query = new URLSearchParams(window.location.search), taken = "";
  ["r", "d", "join"].forEach(function (name) {
    var value = query.get(name);
    if (value === null) { return; }
    query.delete(name);
    if (/^[A-Za-z0-9_-]{4,64}$/.test(value)) { taken = taken || name.charAt(0) + "." + value; }
  });
  var held = sessionStorage.getItem("spark-link"), link = mode.charAt(5) + "." + mode.slice(7);
  if (taken && mode !== "forget") {
    sessionStorage.setItem("spark-link", taken);
    cookie(taken, 30);
    var rest = query.toString(); window.__sparkReloading = true;
    window.location.replace(window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
    return;
  }
  if (mode === "forget") {
    sessionStorage.removeItem("spark-link");
    cookie("", 0);
  } else if (mode.indexOf("mine_") === 0 && held !== link) {
    cookie("", 0);  // another tab's link came in the cookie: this tab opens afresh
    window.__sparkReloading = true;
    window.location.reload();
    return;
  } else if (mode !== "none") {
    sessionStorage.setItem("spark-link", link);
    sessionStorage.removeItem("spark-link-retry");
    cookie("", 0);
  } else if (held && Date.now() - Number(sessionStorage.getItem("spark-link-retry") || 0) > 30000) {
    sessionStorage.setItem("spark-link-retry", String(Date.now()));
    cookie(held, 30);
    window.__sparkReloading = true;
    window.location.reload();
    return;
  }
  if (!window.__sparkCarry) {
    window.__sparkCarry = true;
    window.addEventListener("pagehide", function () {
      var held = sessionStorage.getItem("spark-link");
      if (held) { cookie(held, 30); }
    });
  }
})();
</script>
""")


def _cookie() -> tuple[str, str] | None:
    try:
        kind, _, value = str(st.context.cookies.get(LINK_COOKIE) or "").partition(".")
    except Exception:  # no browser behind this run (e.g. a bare script)
        return None
    return (PARAMS[kind], value) if kind in PARAMS and FORMAT.fullmatch(value) else None


def take() -> tuple[str, str] | None:
    """The link this page load brings, once per session: ``(param, value)`` from the
    address (a link just opened) or from the cookie (a reload of the tab that holds it)."""
    from_url = next(((p, str(st.query_params[p])) for p in PARAMS.values() if st.query_params.get(p)), None)
    link = from_url or _cookie()
    if link is None or st.session_state.get(_TAKEN) == link:
        return None
    st.session_state[_TAKEN] = link
    st.session_state[_ARRIVED] = from_url is not None
    st.session_state[_VIA_COOKIE] = None if from_url else link
    return link


def invitation() -> str:
    """A join code this tab was invited with (``?join=``), or ""."""
    taken = st.session_state.get(_TAKEN)
    return taken[1] if taken and taken[0] == PARAMS["j"] else ""


def just_arrived() -> bool:
    """This run took a link from the address: it must not move to another page (that
    would push a history entry still holding the link before the script replaces it)."""
    return bool(st.session_state.pop(_ARRIVED, False))


def carry(link: tuple[str, str] | None) -> None:
    """Tell the tab's script which link it holds now (at each page's full run: a fragment
    that makes one, a first answer, runs the page again): this session's, a pending
    invitation, none, or to forget the one it held (the session took or kept one but has
    none now: deleted, unknown, a counselor logged in)."""
    taken = st.session_state.get(_TAKEN)
    if link is None and taken and taken[0] == PARAMS["j"]:
        link = taken
    if link is not None and FORMAT.fullmatch(link[1]):
        st.session_state[_HELD] = True
        verb = "mine" if st.session_state.get(_VIA_COOKIE) == link else "keep"
        mode = f"{verb}_{link[0][0]}_{link[1]}"
    else:
        mode = "forget" if taken or st.session_state.get(_HELD) else "none"
    # Drawn at every full run, even when nothing changed: a new session (a replica that
    # died) cannot know which container the tab still shows.
    draw(mode)


def draw(mode: str) -> None:
    """Tell the tab's script (CARRY_LINK) which link it holds: ``mode`` is ``keep_<r|d|j>_<token>`` (a validated token or code), ``none`` or ``forget``, in the
    class of an empty container, with the app's path for the cookie."""
    with st.container(key=f"spark_link_page_{browser.hex_path()}_{mode}", height=1, border=False):
        # The mode is in the body too: a container whose key changed keeps its element in the
        # tab (the frontend keys blocks by place), and only a new body runs the script again.
        st.html(CARRY_LINK.marked(mode), unsafe_allow_javascript=True)
