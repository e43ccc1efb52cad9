"""Exports of the current view: tables, the evidence pack and the printed brief.

Pure: nothing here imports Streamlit.
"""
