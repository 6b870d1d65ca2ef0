"""One publication as a self-contained HTML page (``ofsted-nlp report X --format html``).

A table of the four areas (findings by polarity, score, the predicted grade beside Ofsted's,
the inherited care-leaver grade marked), then every finding grouped by area, coloured by
polarity, with its page and paragraph. Inline CSS only: no script, nothing fetched.
"""
from __future__ import annotations

import html

from typing import TYPE_CHECKING

from .labels import AREAS, POLARITIES

if TYPE_CHECKING:
    from .results import DocumentFindings

AREA_TITLES = {
    "help_and_protection": "Help and protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "leadership": "Impact of leaders",
}
POLARITY_COLOURS = {"positive": ("#e6f4ea", "#1e8e3e"), "negative": ("#fce8e6", "#c5221f"),
                    "neutral": ("#f1f3f4", "#80868b")}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1100px;color:#202124;
line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}.meta{color:#5f6368;margin-top:0}
table.summary{border-collapse:collapse;margin:1em 0}
table.summary th,table.summary td{border:1px solid #dadce0;padding:.3em .7em;text-align:left}
table.summary th{background:#f1f3f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.grade{font-weight:600}.match{color:#1e8e3e}.mismatch{color:#c5221f}.note{font-size:.85em;color:#5f6368}
.legend span{display:inline-block;padding:.1em .6em;margin-right:.5em;border-radius:3px}
ol.findings{list-style:none;padding:0}
li.finding{margin:.3em 0;padding:.35em .7em;border-left:5px solid;border-radius:3px}
li.finding .where{color:#5f6368;font-size:.85em;margin-left:.5em}
li.finding .pol{font-size:.75em;text-transform:uppercase;letter-spacing:.04em;margin-right:.5em;font-weight:700}
""" + "".join(f"li.{p}{{background:{bg};border-color:{fg}}}li.{p} .pol{{color:{fg}}}"
              f".legend .{p}{{background:{bg};border-left:5px solid {fg}}}" for p, (bg, fg) in POLARITY_COLOURS.items())


def _grade(g) -> str:
    return g.replace("_", " ") if isinstance(g, str) else "–"


def report_html(result: DocumentFindings) -> str:
    """The page for one ``ReportFindings`` (str)."""
    from .summary import format_score
    from .tables import is_inherited, publication_rows

    e = html.escape
    meta = dict(result.metadata)
    rows, _ = publication_rows(result, with_findings=False)
    first = rows[0]
    name = first["la_name"] or meta.get("local_authority") or result.report_id
    kind = str(first["kind"]).replace("_", " ")
    title = f"{name}: {kind}" + (f" published {meta['publication_date']}" if meta.get("publication_date") else "")
    details = [f"publication {e(result.report_id)}"]
    if first["urn"]:
        details.append(f"URN {e(first['urn'])}")
    if first["la_code"]:
        details.append(f"LA code {e(first['la_code'])}")
    if meta.get("era"):
        details.append(f"framework {e(str(meta['era']))}")
    if meta.get("grade_overall_effectiveness"):
        details.append(f"overall effectiveness: <span class=grade>{e(_grade(meta['grade_overall_effectiveness']))}"
                       "</span>")
    assert result.summary is not None, "a document's findings carry a summary"
    thresholds = result.summary.thresholds
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>",
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
           f"<style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>", f"<p class=meta>{' · '.join(details)}</p>",
           "<table class=summary><thead><tr><th>area</th><th>findings</th><th>positive</th><th>negative</th>"
           "<th>neutral</th><th>score (95% interval)</th><th>predicted grade</th><th>Ofsted's grade</th></tr></thead>"
           "<tbody>"]
    for row in rows:
        area = row["area"]
        predicted, ofsted = row["predicted_grade"], row["ofsted_grade"]
        agree = "" if not (predicted and ofsted) else (" match" if predicted == ofsted else " mismatch")
        inherited = (" <span class=note>(the children-in-care grade: this report judges care leavers with "
                     "children in care)</span>") if is_inherited(meta, area) and ofsted else ""
        cuts = thresholds.for_area(area)
        score = "–" if row["score"] is None else (
            f"{format_score(row['score'], cuts)} ({format_score(row['score_low'], cuts)} to "
            f"{format_score(row['score_high'], cuts)})")
        out.append(f"<tr><td><a href=\"#{area}\">{e(AREA_TITLES[area])}</a></td><td class=num>{row['n_findings']}</td>"
                   + "".join(f"<td class=num>{row[f'n_{p}']}</td>" for p in POLARITIES)
                   + f"<td class=num>{score}</td><td class=\"grade{agree}\">{e(_grade(predicted))}</td>"
                   f"<td class=grade>{e(_grade(ofsted))}{inherited}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<p class=note>{e(result.summary.rule_text())} Scores are shown with as many decimals as it takes "
               "not to cross a cut point.</p>")
    out.append("<p class=legend>" + "".join(f"<span class={p}>{p}</span>" for p in POLARITIES) + "</p>")
    by_area: dict[str, list] = {a: [] for a in AREAS}
    left_out = []
    for f in result.findings:
        if not getattr(f, "is_finding", True) or f.area not in by_area:
            left_out.append(f)
        else:
            by_area[f.area].append(f)
    for area in AREAS:
        out.append(f"<h2 id=\"{area}\">{e(AREA_TITLES[area])} <span class=note>({len(by_area[area])} findings)</span></h2>")
        out.append(_findings_list(by_area[area]))
    if left_out:
        out.append(f"<h2 id=\"left_out\">Not counted <span class=note>({len(left_out)}: out of domain or not "
                   "findings)</span></h2>")
        out.append(_findings_list(left_out))
    out.append("<p class=note>Generated by ofsted_nlp. Report text: Crown copyright, Open Government Licence v3.0."
               "</p></body></html>\n")
    return "\n".join(out)


def _findings_list(findings) -> str:
    e = html.escape
    if not findings:
        return "<p class=note>No findings.</p>"
    items = []
    for f in findings:
        prov = f.provenance
        where = []
        if prov is not None and prov.page is not None:
            where.append(f"p. {prov.page}")
        if prov is not None and prov.paragraph_number is not None:
            where.append(f"para {prov.paragraph_number}")
        if prov is not None and prov.section:
            where.append(e(prov.section))
        polarity = f.polarity if f.polarity in POLARITY_COLOURS else "neutral"
        items.append(f"<li class=\"finding {polarity}\"><span class=pol>{e(f.polarity)}</span>{e(f.text)}"
                     f"<span class=where>{' · '.join(where)} · confidence {f.confidence:.2f}</span></li>")
    return "<ol class=findings>" + "".join(items) + "</ol>"
