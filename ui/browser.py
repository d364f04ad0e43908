"""What Streamlit can't do from Python, done in the browser by constant snippets.

Each snippet is a constant string (no template slots, no user text ever reaches it),
which is why it may carry CSS or JavaScript (tests/test_code_rules.py checks this):

* tap targets of at least 44 x 44 px (WCAG 2.5.5), the phone layout of answer scales
  (one ordered column) and a clearly visible keyboard focus ring (WCAG 2.2, focus visible);
* moving to the top of the page when the next or previous part of a questionnaire is
  shown (the part is a fragment, so the browser would otherwise keep its scroll
  position and land on the next part's buttons);
* a visible "Copy link" button (and the phone's share sheet where there is one) for
  the resume link, whose own copy icon shows only on hover;
* with the person's permission, a notification when their partner finishes while the
  waiting page is in the background;
* keeping a counselor's session token in a browser cookie, so a page refresh keeps
  them logged in, and deleting it on log out (docs/SECURITY.md, "Counselor sessions");
* the cookie's path for the app (``cookie_path``), which the link carrier uses too
  (ui/link_carrier.py has its own snippet: taking a link out of the address bar).
"""

from __future__ import annotations

import re
import textwrap
from urllib.parse import quote

import streamlit as st

_MARK = re.compile(r"[A-Za-z0-9_-]{1,80}")


class Snippet(str):
    """One of the app's constant snippets, cleaned once: ``st.html`` takes ``_repr_html_``
    as it is, where it would dedent a plain string again at every call (0.05 ms for the
    page's CSS, on every run)."""

    def __new__(cls, body: str) -> Snippet:
        return super().__new__(cls, textwrap.dedent(body).strip())

    def _repr_html_(self) -> str:
        return str(self)

    def marked(self, mark: str) -> Snippet:
        """This snippet and an empty element carrying ``mark`` (letters, digits, ``_`` and
        ``-`` only): Streamlit runs a snippet's script when its element mounts or its body
        changes, and keeps an element in place across runs, so a new mark runs it again."""
        if not _MARK.fullmatch(mark):
            raise ValueError(f"not a snippet mark: {mark!r}")
        return str.__new__(Snippet, f'{self}<i hidden data-mark="{mark}"></i>')


PAGE_CSS = Snippet("""
<style>
/* Keyboard focus, clearly visible on answers, buttons and the sidebar's links. */
[data-testid="stRadioOption"]:has(input:focus-visible),
[data-testid="stCheckbox"] label:has(input:focus-visible),
[data-testid="stSidebarNavLink"]:focus-visible,
[data-testid="stMain"] button:focus-visible,
[data-testid="stSidebar"] button:focus-visible,
[data-testid="stMain"] a:focus-visible {
  outline: 3px solid #0f766e !important;
  outline-offset: 2px;
  border-radius: 4px;
}
/* Tap targets of at least 44 x 44 CSS px (WCAG 2.5.5) on every screen, a touch laptop's too. */
button[data-testid^="stBaseButton"], button[data-variant="pills"], a[data-testid^="stBaseLinkButton"],
[data-testid="stTab"], [data-testid="stRadioOption"], [data-testid="stSidebarNavLink"],
[data-testid="stExpander"] summary, [data-testid="stCheckbox"] label, [data-testid="stTextInputField"],
.react-aria-ComboBox [role="group"], [data-testid="stTextInputRootElement"] button, .react-aria-ComboBox button {
  min-height: 44px;
  min-width: 44px;
  align-items: center;
}
button[data-testid="stBaseButton-headerNoPadding"], [data-testid="stExpandSidebarButton"],
button[data-testid="stBaseButton-elementToolbar"] {
  min-width: 44px;
  min-height: 44px;
  justify-content: center;
}
/* A table's toolbar keeps its height (the bigger buttons, less padding): it never covers the table. */
div[data-testid="stElementToolbar"], div[data-testid="stElementToolbarButtonContainer"] { padding-top: 0; padding-bottom: 0; }
/* The help icon keeps its place: a 44 px target drawn around it. */
[data-testid="stTooltipIcon"] button { padding: 14px; margin: -14px; }
/* A heading's small link appears only on hover (none on a touch screen), and nobody here needs it. */
[data-testid="stHeaderActionElements"] { display: none; }
/* The quick exit (ui/quick_exit.py), fixed on screen; its Shift hint only with a keyboard. */
.spark-quick-exit { position: fixed; right: .75rem; bottom: .75rem; z-index: 999990; display: flex;
  align-items: center; gap: .6rem; font-family: system-ui, sans-serif; }
.spark-quick-exit a { display: inline-block; min-height: 44px; box-sizing: border-box; padding: .7rem 1.2rem;
  background: #b91c1c; color: #fff; font-weight: 700; border-radius: .4rem; text-decoration: none;
  box-shadow: 0 2px 8px rgba(0, 0, 0, .3); }
.spark-quick-exit span { display: none; order: -1; padding: .2rem .4rem; font-size: .85rem; color: #3e4c59;
  background: #fff; border-radius: .3rem; }
@media (hover: hover) and (pointer: fine) { .spark-quick-exit span { display: inline; } }
[data-testid="stMainBlockContainer"] { padding-bottom: 6rem; }  /* the last buttons scroll clear of it */
/* On a narrow screen an answer scale is one ordered column of full-size targets,
   never 3 + 2 options on two rows. */
@media (max-width: 640px) {
  [data-testid="stRadio"] [role="radiogroup"] {
    flex-direction: column !important;
    flex-wrap: nowrap !important;
    align-items: stretch !important;
    gap: 0 !important;
  }
  [data-testid="stRadio"] [role="radiogroup"] > div { width: 100%; }
  [data-testid="stRadio"] [data-testid="stRadioOption"] {
    min-height: 44px;
    width: 100%;
    margin: 0 !important;
    padding: 0 .25rem;
    align-items: center;
    box-sizing: border-box;
  }
}
</style>
""")

SCROLL_TO_TOP = Snippet("""
<script>
(function () {
  var main = window.parent.document.querySelector('[data-testid="stMain"]') ||
             document.querySelector('[data-testid="stMain"]');
  if (main) { main.scrollTo({ top: 0, left: 0, behavior: "instant" }); }
  window.scrollTo(0, 0);
})();
</script>
""")

#: Copies the link shown in the container keyed ``resume_link`` (st.container(key=...)
#: gives it the class ``st-key-resume_link``); no link is ever written into this snippet.
COPY_LINK_HTML = Snippet("""
<div class="spark-copy-link" style="display:flex;gap:.5rem;flex-wrap:wrap;margin:.25rem 0 .5rem">
  <button type="button" id="spark-copy-link"
          style="min-height:44px;padding:.5rem 1rem;border-radius:.5rem;border:1px solid #0f766e;
                 background:#0f766e;color:#fff;font:inherit;font-weight:600;cursor:pointer">
    Copy link
  </button>
  <button type="button" id="spark-share-link" hidden
          style="min-height:44px;padding:.5rem 1rem;border-radius:.5rem;border:1px solid #0f766e;
                 background:#fff;color:#0f766e;font:inherit;font-weight:600;cursor:pointer">
    Share…
  </button>
  <span id="spark-copy-status" role="status" aria-live="polite"
        style="align-self:center;font-family:system-ui,sans-serif;color:#0b1220"></span>
</div>
<script>
(function () {
  function link() {
    var code = document.querySelector(".st-key-resume_link code");
    return code ? code.innerText.trim() : "";
  }
  function say(text) {
    var status = document.getElementById("spark-copy-status");
    if (status) { status.textContent = text; }
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }
  var copy = document.getElementById("spark-copy-link");
  if (copy && !copy.dataset.bound) {
    copy.dataset.bound = "1";
    copy.addEventListener("click", function () {
      var text = link();
      if (!text) { return; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say("Copied. Keep it somewhere private."); },
          function () { say(fallbackCopy(text) ? "Copied. Keep it somewhere private." : "Select the link above and copy it."); }
        );
      } else {
        say(fallbackCopy(text) ? "Copied. Keep it somewhere private." : "Select the link above and copy it.");
      }
    });
  }
  var share = document.getElementById("spark-share-link");
  if (share && navigator.share && !share.dataset.bound) {
    share.dataset.bound = "1";
    share.hidden = false;
    share.addEventListener("click", function () {
      var text = link();
      if (text) { navigator.share({ title: "My Spark Check link", url: text }).catch(function () {}); }
    });
  }
})();
</script>
""")

#: On the waiting screen (two devices): a button that asks, when a person clicks it, for
#: permission to notify them when their partner finishes; granted, this tab remembers it
#: (sessionStorage) and PARTNER_FINISHED notifies. Not offered where a page can't show a
#: notification itself (Android's Chrome wants a service worker; iOS only in installed apps).
NOTIFY_OFFER = Snippet("""
<div style="display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.25rem 0 .5rem">
  <button type="button" id="spark-notify" hidden
          style="min-height:44px;padding:.5rem 1rem;border-radius:.5rem;border:1px solid #0f766e;
                 background:#fff;color:#0f766e;font:inherit;font-weight:600;cursor:pointer">
    Notify me when my partner finishes
  </button>
  <span id="spark-notify-status" role="status" aria-live="polite"
        style="font-family:system-ui,sans-serif;color:#0b1220"></span>
</div>
<script>
(function () {
  var button = document.getElementById("spark-notify");
  var status = document.getElementById("spark-notify-status");
  var mobile = (navigator.userAgentData && navigator.userAgentData.mobile) || /Android|iPhone|iPad/.test(navigator.userAgent);
  if (!button || !("Notification" in window) || mobile || Notification.permission === "denied") { return; }
  function armed() {
    sessionStorage.setItem("spark-notify", "1");
    button.hidden = true;
    status.textContent = "You'll get a notification when your partner finishes, while this page stays open.";
  }
  if (Notification.permission === "granted") { armed(); return; }
  button.hidden = false;
  if (button.dataset.bound) { return; }
  button.dataset.bound = "1";
  button.addEventListener("click", function () {
    Notification.requestPermission().then(function (answer) {
      if (answer === "granted") { armed(); } else { button.hidden = true; }
    });
  });
})();
</script>
""")

#: On the comparison (two devices): once, in a tab that waited with NOTIFY_OFFER armed,
#: and only while the page is in the background. The words are constant: no name.
PARTNER_FINISHED = Snippet("""
<script>
(function () {
  if (sessionStorage.getItem("spark-notify") !== "1") { return; }
  sessionStorage.removeItem("spark-notify");
  if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) { return; }
  try {
    var note = new Notification("Your partner has finished — your comparison is ready");
    note.onclick = function () { window.focus(); note.close(); };
  } catch (e) { /* this browser shows none: the page itself says it */ }
})();
</script>
""")

#: The cookie that carries a counselor's session token (read back by st.context.cookies).
LOGIN_COOKIE = "spark_counselor"
#: The key of the container whose class carries the cookie's path and the token
#: REMEMBER_LOGIN keeps: its class is ``st-key-counselor_session_<hex path>_<token>``
#: (the path hex-encoded, see :func:`cookie_path`); nothing shows the token on screen.
LOGIN_TOKEN_KEY = "counselor_session_"
#: The key of the container whose class carries the path FORGET_LOGIN deletes the cookie at.
FORGET_KEY = "forget_login_"

#: Keeps the token named by the ``counselor_session_<hex path>_<token>`` container in a
#: cookie for this app only (its base URL path; SameSite=Strict, Secure over HTTPS), with
#: no expiry date: the browser drops it when it closes, the server ends it sooner (idle,
#: absolute, log out).
REMEMBER_LOGIN = Snippet(r"""
<script>
(function () {
  var box = document.querySelector('[class*="st-key-counselor_session_"]');
  var found = box ? /st-key-counselor_session_([0-9a-f]+)_([A-Za-z0-9_-]{20,64})(\s|$)/.exec(box.className) : null;
  if (!found) { return; }
  var path = found[1].replace(/../g, function (h) { return String.fromCharCode(parseInt(h, 16)); });
  var token = found[2];
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "spark_counselor=" + token + "; path=" + path + "; SameSite=Strict" + secure;
})();
</script>
""")

#: Deletes the counselor's session cookie (after log out, or once it restores nothing) at
#: the path named by the ``forget_login_<hex path>`` container.
FORGET_LOGIN = Snippet(r"""
<script>
(function () {
  var box = document.querySelector('[class*="st-key-forget_login_"]');
  var found = box ? /st-key-forget_login_([0-9a-f]+)(\s|$)/.exec(box.className) : null;
  if (!found) { return; }
  var path = found[1].replace(/../g, function (h) { return String.fromCharCode(parseInt(h, 16)); });
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "spark_counselor=; path=" + path + "; max-age=0; SameSite=Strict" + secure;
})();
</script>
""")

#: The key of the container that holds the resume link COPY_LINK_HTML copies.
RESUME_LINK_KEY = "resume_link"


def page_style() -> None:
    """The phone layout and focus ring; once at the top of every page run (a person's pages
    have it with the quick exit: ``quick_exit.render``)."""
    st.html(PAGE_CSS)


def scroll_to_top(key: str) -> None:
    """Bring the page to its top when ``key`` changes (e.g. the part of a questionnaire):
    the snippet sits in a container keyed by it, so a new key mounts it anew and it runs."""
    with st.container(key=f"top_{key}", height=1, border=False):
        st.html(SCROLL_TO_TOP, unsafe_allow_javascript=True)


def copy_link_buttons() -> None:
    """A visible "Copy link" button (and "Share…" where the browser has a share sheet) for
    the link shown in the ``resume_link`` container on the same page."""
    st.html(COPY_LINK_HTML, unsafe_allow_javascript=True)


def offer_notification() -> None:
    """On the waiting screen: "Notify me when my partner finishes" (see NOTIFY_OFFER)."""
    st.html(NOTIFY_OFFER, unsafe_allow_javascript=True)


def notify_partner_finished() -> None:
    """On the comparison: the notification a waiting tab asked for (see PARTNER_FINISHED)."""
    st.html(PARTNER_FINISHED, unsafe_allow_javascript=True)


def cookie_path(base_url_path: str | None = None) -> str:
    """The path the counselor's cookie is set for: the app's ``server.baseUrlPath``
    (read from Streamlit's options unless given) as ``/`` or ``/a/b``, percent-encoded so
    nothing in it can end the cookie's path (a ``;`` adds no attribute)."""
    base = st.get_option("server.baseUrlPath") if base_url_path is None else base_url_path
    segments = [part for part in str(base or "").split("/") if part]
    return "/" + quote("/".join(segments), safe="/-._~")


def hex_path() -> str:
    """:func:`cookie_path` as hex digits, the only characters a container's key keeps as they are."""
    return cookie_path().encode("ascii").hex()


def remember_login(token: str) -> None:
    """Keep the counselor's session token in the browser (see REMEMBER_LOGIN): the token
    and the cookie's path are only in the class of an empty container, and the constant
    snippet copies them to the cookie (never any user text: the token is the server's
    own random string, the path the operator's setting)."""
    with st.container(key=f"{LOGIN_TOKEN_KEY}{hex_path()}_{token}", height=1, border=False):
        st.html(REMEMBER_LOGIN, unsafe_allow_javascript=True)


def forget_login() -> None:
    """Delete the counselor's session cookie from the browser (at the app's path)."""
    with st.container(key=FORGET_KEY + hex_path(), height=1, border=False):
        st.html(FORGET_LOGIN, unsafe_allow_javascript=True)
