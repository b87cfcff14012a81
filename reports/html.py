"""A self-contained HTML report of a :class:`~reports.content.ReportContent`.

* **One file, offline.** plotly.js is embedded inline once in ``<head>`` (the full bundle shipped
  with the installed plotly, about 4.7 MB); every figure is an interactive ``<div>`` drawn by it.
  No ``<script src>``, ``<link href>``, ``<img src>`` or ``<iframe>`` points anywhere, and a
  Content-Security-Policy (``default-src 'none'``) stops the page from fetching anything.
  The plotly bundle itself *contains* URL strings (e.g. ``https://plotly.com`` in messages and the
  MathJax/topojson CDN defaults, unused here); they are text inside the script, not loads.
* **Data text is escaped.** Every string that comes from the data (study labels, citations,
  notes, table cells) goes through :func:`html.escape`; figure JSON is plotly's, which escapes
  ``<`` and ``/`` inside strings.
* The R scripts for the pooled ORR/DCR are included verbatim (escaped) in ``<details>`` blocks.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from findings import text
from reports.content import ReportContent, Section

__all__ = ["CSP", "build_html"]

#: nothing may be fetched; inline scripts/styles (plotly) and data: images (plotly's mode bar) only
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)

_CSS = """
:root { --ink: #1c2833; --muted: #5d6d7e; --rule: #d5dbdb; --accent: #b03a2e; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: var(--ink); margin: 0;
       line-height: 1.45; background: #fff; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; border-bottom: 3px solid var(--accent); padding-bottom: 12px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 32px 0 8px; border-bottom: 1px solid var(--rule);
     padding-bottom: 4px; }
.subtitle, .prov, .caption { color: var(--muted); }
.prov { font-size: 0.85rem; }
.caption { font-size: 0.9rem; margin: 4px 0 8px; }
.missing { background: #fdf2e9; border-left: 4px solid #d68910; padding: 8px 12px; }
.figure { width: 100%; min-height: 420px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.88rem; width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f4f6f6; }
pre { background: #f8f9f9; border: 1px solid var(--rule); padding: 12px; overflow-x: auto;
      font-size: 0.8rem; }
footer { border-top: 1px solid var(--rule); margin-top: 40px; padding: 12px 24px 32px;
         font-size: 0.8rem; color: var(--muted); }
ol.refs li { margin-bottom: 4px; font-size: 0.88rem; }
@media print { .figure { page-break-inside: avoid; } }
"""

_PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def _cell(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        return f"{v:.4g}"
    return text.html(v)


def table_html(df: pd.DataFrame | None) -> str:
    """An escaped HTML table (header and every cell escaped)."""
    if df is None or df.empty:
        return ""
    head = "".join(f'<th scope="col">{text.html(c)}</th>' for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False, name=None)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_html(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(
        full_html=False, include_plotlyjs=False, include_mathjax=False, div_id=div_id,
        config=_PLOT_CONFIG, default_width="100%", default_height="560px",
    )


def _section_html(s: Section, index: int) -> str:
    parts = [f'<section id="{text.html(s.key)}"><h2>{text.html(s.title)}</h2>']
    if not s.available:
        parts.append(f'<p class="missing">{text.html(s.title)}: {text.html(s.reason)}</p>')
    if s.figure is not None:
        parts.append(f'<div class="figure">{_figure_html(s.figure, f"fig-{text.html(s.key)}")}</div>')
    if s.caption:
        parts.append(f'<p class="caption">{text.html(s.caption)}</p>')
    if s.bullets:
        parts.append("<ul>" + "".join(f"<li>{text.html(b)}</li>" for b in s.bullets if b) + "</ul>")
    parts.append(table_html(s.table))
    for name, table in s.tables:
        parts.append(f"<h3>{text.html(name)}</h3>")
        parts.append(table_html(table))
    parts.append("</section>")
    return "\n".join(parts)


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    # keep the inline bundle from closing its own <script> element
    return js.replace("</script", "<\\/script")


def build_html(content: ReportContent) -> str:
    """The report as one self-contained HTML document (str, UTF-8 text)."""
    c = content
    p = c.provenance
    choices = pd.DataFrame(
        [(k, v) for k, v in (c.view.to_yaml_mapping() or {"(all defaults)": ""}).items()],
        columns=["View key", "Value"],
    )
    choices["Value"] = choices["Value"].map(lambda v: ", ".join(v) if isinstance(v, list) else v)
    body: list[str] = [
        "<header>",
        f"<h1>{text.html(c.title)}</h1>",
        f'<p class="subtitle">{text.html(c.subtitle)}</p>',
        f'<p class="prov">Generated {text.html(p.date)} · data file {text.html(p.data_file)} (sha256 '
        f"{text.html(p.sha256)}) · app version {text.html(p.app_version)}"
        + (f" · {p.n_problems} data problem(s) reported by the loader" if p.n_problems else "")
        + "</p>",
        "</header>",
        "<main>",
        "<h2>Choices (view)</h2>",
        '<p class="caption">The same keys as the app URL; rerun headless with '
        "<code>python -m reports"
        + (f" --view &quot;{text.html(p.view_query)}&quot;" if p.view_query else "")
        + " --out report.html</code>.</p>",
        table_html(choices),
        "<h2>Evidence</h2>",
        table_html(c.evidence_table),
    ]
    for i, s in enumerate(c.sections):
        body.append(_section_html(s, i))
    body.append("<h2>Methods</h2>")
    body.extend(f"<p>{text.html(m)}</p>" for m in c.methods)
    if c.r_scripts:
        body.append("<h2>Reproduce in R</h2>")
        body.append('<p class="caption">Standalone metafor scripts with the data inline; run with '
                    "<code>Rscript file.R</code>.</p>")
        for ep, script in c.r_scripts.items():
            body.append(f"<details><summary>R script: pooled {text.html(ep)}</summary>"
                        f"<pre>{text.html(script)}</pre></details>")
    if c.problems:
        body.append("<h2>Data problems</h2><ul>"
                    + "".join(f"<li>{text.html(x)}</li>" for x in c.problems) + "</ul>")
    body.append("<h2>References</h2>")
    body.append('<ol class="refs">' + "".join(f"<li>{text.html(r)}</li>" for r in c.references) + "</ol>")
    body.append("</main>")
    body.append(f"<footer>{text.html(p.footer())}</footer>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{text.html(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text.html(c.title)}</title>",
        f"<style>{_CSS}</style>",
        f'<script type="text/javascript">{_plotly_js()}</script>',
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
        "",
    ])
