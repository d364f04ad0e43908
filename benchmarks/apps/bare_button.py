"""The floor: a bare Streamlit app with one button (the baseline of the browser and load benchmarks)."""

import streamlit as st

st.button("Click me", key="click")
