"""Exports of the current view: tables, the evidence pack and the printed brief (pure, no Streamlit)."""
