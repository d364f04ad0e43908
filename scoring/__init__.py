"""Scoring, comparison and recommendations: pure Python, no Streamlit, no database."""
