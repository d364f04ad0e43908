"""Use cases of the app, without Streamlit: pages and views call these, these call
storage and scoring. What each viewer may see is decided by ``scoring/visibility.py``;
a service asks it, and never restates a visibility rule."""
