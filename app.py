"""Entry point: page configuration, shared sidebar, and routing with ``st.navigation``.

Run with ``bash scripts/run.sh`` (or ``streamlit run app.py``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.bootstrap import begin_run, run_completed
from ui.heap import freeze_long_lived
from ui.pages import PAGES

ROOT = Path(__file__).parent

st.set_page_config(
    page_title="Apatinib in advanced sarcoma — evidence synthesis",
    page_icon=":material/biotech:",
    layout="wide",
)

begin_run()
sections: dict[str, list[st.Page]] = {}
for spec in PAGES:
    sections.setdefault(spec.section, []).append(
        st.Page(ROOT / spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec.default)
    )

# Presentation mode (?present=1, pages/present.py): no navigation menu, no sidebar.
present = str(st.query_params.get("present", "")).strip().lower() in ("1", "true")
# Modules imported by earlier runs live as long as the server: keep them out of every full garbage
# collection (ui/heap.py; 80 ms each otherwise).
freeze_long_lived()
# Every page is listed (expanded=True): Streamlit folds a menu of more than ten pages behind
# "View N more", which hid the Trial planner, Present & export and Your studies.
nav = st.navigation(sections, position="hidden" if present else "sidebar", expanded=True)
nav.run()
run_completed()  # reached only when the page ran to its end (not stopped, not interrupted)
