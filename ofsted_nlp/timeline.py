"""One authority's publications over time: the per-area score with Ofsted's grades beside it.

``timeline(source, la)`` takes report paths (files and folders) or an areas table that
``tables.table`` / ``tables.build_tables`` made, keeps the publications of the authority ``la``
(any spelling, a DfE or ONS code), and returns its areas rows in date order. With ``out=`` it
also draws the chart:

- ``.png``: matplotlib, one panel per area (score with its 95% interval, Ofsted's grade as a
  marker at the middle of its band, grade bands shaded from the grade thresholds), visits as
  dotted vertical lines naming their focus areas;
- ``.html``: the same with plotly, one self-contained file (plotly.js inline, nothing fetched
  when it is opened).

Files whose names carry another authority's URN are skipped before they are read.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .labels import AREAS, GRADES

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from .summary import GradeThresholds

AREA_TITLES = {
    "help_and_protection": "Help and protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "leadership": "Impact of leaders",
}
AREA_COLOURS = {
    "help_and_protection": "#1f77b4",
    "children_in_care": "#2ca02c",
    "care_leavers": "#9467bd",
    "leadership": "#d62728",
}
GRADE_COLOURS = {"outstanding": "#1a9850", "good": "#91cf60", "requires_improvement": "#fdae61",
                 "inadequate": "#d73027"}
GRADE_MARKERS = {"outstanding": "*", "good": "D", "requires_improvement": "s", "inadequate": "X"}
Y_LABEL = "area score: mean P(positive) - P(negative)"
X_LABEL = "publication date"


def _resolve(la):
    from .authorities import by_code, find_authority

    if la is None:
        raise InputError("name the local authority: la='York' (any spelling, or its DfE/ONS code)")
    found = by_code(la) or find_authority(str(la))
    if found is None:
        raise InputError(f"no English local authority is called {la!r} (try its usual name, "
                         "e.g. 'York', or its DfE code, e.g. '816')")
    return found


def _area_thresholds(thresholds, area: str):
    """The cut points ``area`` is graded by (the defaults when none are given)."""
    from .summary import DEFAULT_THRESHOLDS, GradeThresholds

    return (DEFAULT_THRESHOLDS if thresholds is None else GradeThresholds.coerce(thresholds)).for_area(area)


def _grade_bands(thresholds, area: str):
    """(grade, low, high) for ``area``'s shaded score bands, best first."""
    t = _area_thresholds(thresholds, area)
    return [("outstanding", t.outstanding, 1.0), ("good", t.good, t.outstanding),
            ("requires_improvement", t.requires_improvement, t.good), ("inadequate", -1.0, t.requires_improvement)]


def _band_middle(grade, thresholds, area: str):
    for g, low, high in _grade_bands(thresholds, area):
        if g == grade:
            return (low + high) / 2
    return None


def timeline(source: str | Path | Iterable[str | Path] | pd.DataFrame, la: str | int | None,
             out: str | Path | None = None, *, model: Any = None, workers: int | None = None,
             progress: bool | None = None,
             thresholds: GradeThresholds | Mapping[str, float] | None = None) -> pd.DataFrame:
    """The areas rows of authority ``la`` in date order (pandas DataFrame); with ``out`` (.html
    or .png) the chart is written there too (atomically).

    source: report paths (a path, or a list of files and folders) or an areas DataFrame.
    la: the authority's name (any spelling) or its DfE or ONS code.
    model, workers, progress, thresholds: as for ``tables.build_tables``.

    Raises InputError for an unknown authority, an output that is neither .html nor .png, or (with
    ``out``) no publication about the authority among the inputs.
    """
    import pandas as pd

    authority = _resolve(la)
    if out is not None and Path(out).suffix.lower() not in (".html", ".htm", ".png"):
        raise InputError(f"{out}: a timeline is written as .html or .png")
    if isinstance(source, pd.DataFrame):
        areas = source
    else:
        from .authorities import authority_for
        from .tables import build_tables

        def same_authority(path: Path) -> bool:  # skip files whose name says they are another's
            found, how = authority_for(path.stem)
            return found is None or how != "urn" or found.la_code == authority.la_code

        tables = build_tables(source, model, workers=workers, progress=progress, thresholds=thresholds,
                              with_findings=False, select=same_authority)
        areas = tables.areas
        areas.attrs["bad_files"] = tables.failures
    rows = areas[areas["la_code"] == authority.la_code].copy()
    rows["_order"] = rows["area"].map({a: i for i, a in enumerate(AREAS)})
    rows = rows.sort_values(["publication_date", "publication_id", "_order"]).drop(columns="_order")
    rows = rows.reset_index(drop=True)
    rows.attrs["authority"] = authority
    rows.attrs["bad_files"] = list(areas.attrs.get("bad_files", []))
    if out is not None:
        if rows.empty:
            raise InputError(f"no publication about {authority.name} among the inputs")
        write_timeline(rows, out, thresholds=thresholds)
    return rows


def focus_areas(rows_of_publication: pd.DataFrame, min_findings: int = 3) -> list[str]:
    """A visit's focus areas: the areas its findings speak about (at least ``min_findings``)."""
    return [r.area for r in rows_of_publication.itertuples() if (r.n_findings or 0) >= min_findings]


def _publications(rows):
    """One entry per publication: (date, id, kind, overall grade, focus areas)."""
    out = []
    for pid, group in rows.groupby("publication_id", sort=False):
        first = group.iloc[0]
        out.append({"date": first["publication_date"], "id": pid, "kind": first["kind"],
                    "overall": first.get("ofsted_overall_effectiveness"),
                    "focus": focus_areas(group) if first["kind"] != "inspection" else []})
    return out


def _title(rows) -> str:
    authority = rows.attrs.get("authority")
    name = authority.name if authority is not None else (rows["la_name"].dropna().iloc[0] if len(rows) else "")
    years = rows["publication_date"].dropna()
    span = f"{years.min().year}-{years.max().year}" if len(years) else ""
    return f"{name}: Ofsted publications {span}, score by area"


def write_timeline(rows: pd.DataFrame, out: str | Path,
                   thresholds: GradeThresholds | Mapping[str, float] | None = None) -> Path:
    """Write the timeline of ``rows`` (what ``timeline`` returns) to ``out`` atomically: a PNG chart
    for ``.png``, else the HTML page. Returns the path written."""
    from .files import write_atomically

    out = Path(out).expanduser()
    if out.suffix.lower() == ".png":
        write_atomically(out, lambda tmp: _png(rows, tmp, thresholds))
    else:
        text = timeline_html(rows, thresholds)
        write_atomically(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return out


def _grade_text(g) -> str:
    return g.replace("_", " ") if isinstance(g, str) else "no grade"


# --------------------------------------------------------------------------- PNG (matplotlib)


def _png(rows, path, thresholds=None) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(len(AREAS), 1, figsize=(11, 2.6 * len(AREAS) + 1), sharex=True)
    pubs = _publications(rows)
    for ax, area in zip(axes, AREAS):
        for grade, low, high in _grade_bands(thresholds, area):
            ax.axhspan(low, high, color=GRADE_COLOURS[grade], alpha=0.12, lw=0)
        part = rows[rows["area"] == area].dropna(subset=["publication_date"])
        scored = part.dropna(subset=["score"])
        colour = AREA_COLOURS[area]
        if len(scored):
            ax.plot(scored["publication_date"], scored["score"], "-o", color=colour, lw=1.8, ms=5,
                    label="score (95% interval)")
            ax.vlines(scored["publication_date"], scored["score_low"], scored["score_high"], color=colour, lw=3,
                      alpha=0.35)
        for r in part.itertuples():
            if isinstance(r.ofsted_grade, str):
                y = _band_middle(r.ofsted_grade, thresholds, area)
                ax.scatter([r.publication_date], [y], marker=GRADE_MARKERS[r.ofsted_grade], s=90,
                           color=GRADE_COLOURS[r.ofsted_grade], edgecolor="black", linewidth=0.7, zorder=5)
                if r.inherited:
                    ax.annotate("inherited", (r.publication_date, y), textcoords="offset points", xytext=(6, -10),
                                fontsize=7, color="#555")
        for p in pubs:
            if p["kind"] != "inspection" and p["date"] is not None:
                ax.axvline(p["date"], color="#777", ls=":", lw=1)
                if area in p["focus"]:
                    ax.annotate(p["kind"].replace("_", " "), (p["date"], 0.92), fontsize=7, rotation=90,
                                va="top", ha="right", color="#555")
        ax.set_ylim(-1, 1)
        ax.set_ylabel("score", fontsize=9)
        ax.set_title(AREA_TITLES[area], fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(X_LABEL)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    handles = [Line2D([], [], color="#333", marker="o", label="predicted score (95% interval)")]
    handles += [Line2D([], [], ls="", marker=GRADE_MARKERS[g], color=GRADE_COLOURS[g], markeredgecolor="black",
                       ms=9, label=f"Ofsted: {_grade_text(g)}") for g in GRADES]
    handles += [Line2D([], [], color="#777", ls=":", label="visit (monitoring / focused)")]
    fig.legend(handles=handles, loc="lower center", ncol=6, fontsize=8, frameon=False)
    fig.suptitle(_title(rows) + f"\n({Y_LABEL}; shaded: the grade each score maps to)", fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


# --------------------------------------------------------------------------- HTML (plotly)


def timeline_figure(rows: pd.DataFrame,
                    thresholds: GradeThresholds | Mapping[str, float] | None = None) -> go.Figure:
    """The plotly Figure of the timeline (one row of panels per area)."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:
        raise InputError("an HTML timeline needs plotly: pip install 'ofsted_nlp[tables]'") from None
    from .summary import format_score

    fig = make_subplots(rows=len(AREAS), cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        subplot_titles=[AREA_TITLES[a] for a in AREAS])
    pubs = _publications(rows)
    shown_grades = set()
    for i, area in enumerate(AREAS, start=1):
        for grade, low, high in _grade_bands(thresholds, area):
            fig.add_hrect(y0=low, y1=high, fillcolor=GRADE_COLOURS[grade], opacity=0.12, line_width=0, row=i, col=1,
                          exclude_empty_subplots=False)
        part = rows[rows["area"] == area].dropna(subset=["publication_date"])
        scored = part.dropna(subset=["score"])
        colour = AREA_COLOURS[area]
        if len(scored):
            cuts = _area_thresholds(thresholds, area)
            hover = [f"{html.escape(str(r.publication_id))}<br>{html.escape(str(r.kind).replace('_', ' '))}"
                     f"<br>score {format_score(r.score, cuts)} "
                     f"(95% interval {format_score(r.score_low, cuts)} to {format_score(r.score_high, cuts)})"
                     f"<br>predicted: {_grade_text(r.predicted_grade)}<br>Ofsted: {_grade_text(r.ofsted_grade)}"
                     + (" (inherited from children in care)" if r.inherited else "")
                     for r in scored.itertuples()]
            fig.add_trace(go.Scatter(
                x=scored["publication_date"], y=scored["score"], mode="lines+markers", name=AREA_TITLES[area],
                line={"color": colour}, hovertext=hover, hoverinfo="text",
                error_y={"type": "data", "symmetric": False, "array": scored["score_high"] - scored["score"],
                         "arrayminus": scored["score"] - scored["score_low"], "color": colour, "thickness": 1.2}),
                row=i, col=1)
        for grade in GRADES:
            graded = part[part["ofsted_grade"] == grade]
            if graded.empty:
                continue
            fig.add_trace(go.Scatter(
                x=graded["publication_date"], y=[_band_middle(grade, thresholds, area)] * len(graded), mode="markers",
                name=f"Ofsted: {_grade_text(grade)}", legendgroup=grade, showlegend=grade not in shown_grades,
                marker={"symbol": {"outstanding": "star", "good": "diamond", "requires_improvement": "square",
                                   "inadequate": "x"}[grade], "size": 13, "color": GRADE_COLOURS[grade],
                        "line": {"color": "black", "width": 1}},
                hovertext=[f"Ofsted: {_grade_text(grade)}" + (" (inherited from children in care)" if inh else "")
                           for inh in graded["inherited"]], hoverinfo="text"), row=i, col=1)
            shown_grades.add(grade)
        for p in pubs:
            if p["kind"] != "inspection" and p["date"] is not None and not _is_nat(p["date"]):
                fig.add_vline(x=p["date"], line_dash="dot", line_color="#777", row=i, col=1,
                              exclude_empty_subplots=False)
                if area in p["focus"]:
                    fig.add_annotation(x=p["date"], y=0.9, text=p["kind"].replace("_", " "), showarrow=False,
                                       textangle=-90, font={"size": 9, "color": "#555"}, xanchor="right",
                                       row=i, col=1)
        fig.update_yaxes(range=[-1, 1], title_text="score", row=i, col=1)
    fig.update_xaxes(title_text=X_LABEL, row=len(AREAS), col=1)
    fig.update_layout(title={"text": _title(rows) + f"<br><sup>{Y_LABEL}; shaded: the grade each score maps to; "
                                                    "markers: Ofsted's grade</sup>"},
                      height=260 * len(AREAS) + 160, template="plotly_white", hovermode="closest",
                      legend={"orientation": "h", "y": -0.06})
    return fig


def _is_nat(value) -> bool:
    import pandas as pd

    return value is pd.NaT


def timeline_html(rows: pd.DataFrame, thresholds: GradeThresholds | Mapping[str, float] | None = None) -> str:
    """A self-contained HTML page (plotly.js inline) with the chart and a table of publications."""
    fig = timeline_figure(rows, thresholds)
    title = _title(rows)
    chart = fig.to_html(full_html=False, include_plotlyjs=True, div_id="timeline",
                        config={"displaylogo": False, "responsive": True})
    listing = ["<table><thead><tr><th>published</th><th>publication</th><th>kind</th><th>overall</th>"
               "<th>focus areas</th></tr></thead><tbody>"]
    for p in _publications(rows):
        date = p["date"].strftime("%Y-%m-%d") if p["date"] is not None and not _is_nat(p["date"]) else ""
        listing.append(f"<tr><td>{date}</td><td>{html.escape(str(p['id']))}</td>"
                       f"<td>{html.escape(str(p['kind']).replace('_', ' '))}</td>"
                       f"<td>{html.escape(_grade_text(p['overall']))}</td>"
                       f"<td>{html.escape(', '.join(AREA_TITLES[a] for a in p['focus']))}</td></tr>")
    listing.append("</tbody></table>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}table{{border-collapse:collapse;margin-top:1em}}
th,td{{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}}th{{background:#eef}}</style>
</head><body><h1>{html.escape(title)}</h1>
<p>Each point is the predicted score of one area in one publication (bar: 95% bootstrap interval over its findings);
markers show the grade Ofsted gave. Generated by ofsted_nlp; opens without a network connection.</p>
{chart}
<h2>Publications</h2>
{''.join(listing)}
</body></html>
"""
