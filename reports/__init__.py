"""Reports and exports without Streamlit: HTML report, PPTX deck, reproduce-in-R scripts.

Used by the "Present & export" page and headless as ``python -m reports --view ... --out ...``.
This package must never import streamlit.
"""
