"""Made-up letters and a news article in Ofsted's published style, for tests (fictional authorities).

Each is a list of (part, text) pairs, written out as a PDF (pdf_factory.make_letter_pdf), .txt,
.md and .html by the functions below, so one letter is read from every format.
"""
from __future__ import annotations

import html

LETTERHEAD = [("letterhead", "Piccadilly Gate"), ("letterhead", "Store Street"), ("letterhead", "Manchester M1 2WD"),
              ("letterhead", "T 0300 123 1231"), ("letterhead", "enquiries@ofsted.gov.uk"),
              ("letterhead", "www.gov.uk/ofsted")]

MONITORING = LETTERHEAD + [
    ("date", "12 April 2023"),
    ("address", "Ms Jane Doe"), ("address", "Director of Children's Services"),
    ("address", "Northbrook County Council"), ("address", "County Hall"), ("address", "Northbrook NB1 1AA"),
    ("salutation", "Dear Ms Doe"),
    ("title", "Monitoring visit to Northbrook children's services"),
    ("para", "This letter summarises the findings of the monitoring visit to Northbrook children's services on "
             "14 and 15 March 2023. This was the fifth monitoring visit since the local authority was judged "
             "inadequate in March 2021. His Majesty's Inspectors Alison Green and Tom Field carried out this visit."),
    ("heading", "Areas covered by the visit"),
    ("para", "Inspectors reviewed the progress made in the quality and impact of the local authority's "
             "arrangements for children in care, including the stability of their placements."),
    ("heading", "Headline findings"),
    ("para", "Children in care now benefit from more stable placements and from social workers who know them well. "
             "Leaders have strengthened the oversight of plans for permanence."),
    ("heading", "Findings and evaluation of progress"),
    ("para", "Most children live with carers who meet their needs. Visits to children are regular and "
             "purposeful, and workers see children alone. However, too many plans are not reviewed quickly "
             "enough when circumstances change."),
    ("heading", "What needs to improve in this area of social work practice"),
    ("bullet", "The timeliness of reviews of children's plans when their circumstances change."),
    ("bullet", "The quality of life-story work for children who will not return home."),
    ("para", "Ofsted will take the findings from this monitoring visit into account when planning the next visit."),
    ("signoff", "Yours sincerely"), ("signoff", "Alison Green"), ("signoff", "His Majesty's Inspector"),
]

FOCUSED = LETTERHEAD + [
    ("date", "3 June 2022"),
    ("address", "Mr Peter Lane"), ("address", "Director of Children's Services"),
    ("address", "Westmere Borough Council"), ("address", "Town Hall"), ("address", "Westmere WM2 4BB"),
    ("salutation", "Dear Mr Lane"),
    ("title", "Focused visit to Westmere children's services"),
    ("para", "This letter summarises the findings of the focused visit to Westmere children's services on "
             "4 May to 5 May 2022. His Majesty's Inspectors Sam Brook and Ruth Hale carried out this visit."),
    ("heading", "Areas covered by the visit"),
    ("para", "Inspectors evaluated the front door arrangements, including contacts and referrals and the "
             "application of thresholds for children who need help and protection."),
    ("heading", "Headline findings"),
    ("para", "Children referred to the front door receive a timely and proportionate response. "
             "Decisions about risk are made by experienced managers."),
    ("heading", "Findings and evaluation of progress"),
    ("para", "Strategy discussions are held promptly and include the right agencies. Some assessments "
             "are too brief and do not consider the history of the family."),
    ("heading", "What needs to improve in this area of social work practice"),
    ("bullet", "The depth of assessments, so that they consider children's histories."),
    ("signoff", "Yours sincerely"), ("signoff", "Sam Brook"), ("signoff", "His Majesty's Inspector"),
]

JTAI = LETTERHEAD + [
    ("date", "20 January 2024"),
    ("address", "Director of Children's Services, Eastvale Council"),
    ("address", "Chief Constable, Eastvale Police"),
    ("salutation", "Dear local partnership"),
    ("title", "Joint targeted area inspection of Eastvale"),
    ("para", "This letter summarises the findings of the joint targeted area inspection (JTAI) of the multi-agency "
             "response to children who are victims of domestic abuse in Eastvale. Between 4 and 8 December 2023, "
             "Ofsted, the Care Quality Commission and HMICFRS carried out this inspection."),
    ("heading", "Headline findings"),
    ("para", "Partners share information quickly when children are at risk of domestic abuse. Police officers "
             "record the voice of the child at incidents."),
    ("heading", "What needs to improve?"),
    ("bullet", "The quality of health assessments for children who live with domestic abuse."),
    ("bullet", "The sharing of information between schools and the police after an incident."),
    ("signoff", "Yours sincerely"), ("signoff", "Rachel Moor"), ("signoff", "His Majesty's Inspector, Ofsted"),
]

NEWS = [
    ("title", "Children's services in Northbrook improving, says Ofsted"),
    ("byline", "By Sam Reporter"),
    ("byline", "Published 24 March 2023"),
    ("para", "Inspectors found that children in care in Northbrook now live in more stable homes. "
             "The council's services were rated inadequate two years ago."),
    ("caption", "Councillor Sam HillCouncillor Sam Hill (Image: Northbrook Council)"),
    ("caption", "Northbrook children's services still improving, says OfstedNorthbrook children's services still "
                "improving, says Ofsted Northbrook children's services still improving, says Ofsted"),
    ("para", "Social workers have manageable caseloads and know their children well. Too many reviews of plans "
             "still happen late, the report said."),
    ("link", "Read more: Northbrook council budget pressures"),
]

FINDINGS = {  # the finding sentences each must yield, with the heading they stand under
    "monitoring": [
        ("Children in care now benefit from more stable placements and from social workers who know them well.",
         "Headline findings"),
        ("Leaders have strengthened the oversight of plans for permanence.", "Headline findings"),
        ("Most children live with carers who meet their needs.", "Findings and evaluation of progress"),
        ("Visits to children are regular and purposeful, and workers see children alone.",
         "Findings and evaluation of progress"),
        ("However, too many plans are not reviewed quickly enough when circumstances change.",
         "Findings and evaluation of progress"),
        ("The timeliness of reviews of children's plans when their circumstances change.",
         "What needs to improve in this area of social work practice"),
        ("The quality of life-story work for children who will not return home.",
         "What needs to improve in this area of social work practice"),
    ],
    "focused": [
        ("Children referred to the front door receive a timely and proportionate response.", "Headline findings"),
        ("Decisions about risk are made by experienced managers.", "Headline findings"),
        ("Strategy discussions are held promptly and include the right agencies.",
         "Findings and evaluation of progress"),
        ("Some assessments are too brief and do not consider the history of the family.",
         "Findings and evaluation of progress"),
        ("The depth of assessments, so that they consider children's histories.",
         "What needs to improve in this area of social work practice"),
    ],
    "jtai": [
        ("Partners share information quickly when children are at risk of domestic abuse.", "Headline findings"),
        ("Police officers record the voice of the child at incidents.", "Headline findings"),
        ("The quality of health assessments for children who live with domestic abuse.", "What needs to improve?"),
        ("The sharing of information between schools and the police after an incident.", "What needs to improve?"),
    ],
    "news": [
        ("Inspectors found that children in care in Northbrook now live in more stable homes.", "Text"),
        ("The council's services were rated inadequate two years ago.", "Text"),
        ("Social workers have manageable caseloads and know their children well.", "Text"),
        ("Too many reviews of plans still happen late, the report said.", "Text"),
    ],
}
LETTERS = {"monitoring": MONITORING, "focused": FOCUSED, "jtai": JTAI, "news": NEWS}


def to_txt(parts) -> str:
    """Plain text as a letter is pasted: blank lines between blocks, the letterhead and address one a line."""
    out, prev = [], None
    for part, text in parts:
        grouped = part in ("letterhead", "address", "signoff", "byline") and part == prev
        if out and not grouped:
            out.append("")
        out.append(("• " if part == "bullet" else "") + text)
        prev = part
    return "\n".join(out) + "\n"


def to_md(parts) -> str:
    out = []
    for part, text in parts:
        if part == "title":
            out.append(f"# {text}")
        elif part == "heading":
            out.append(f"## {text}")
        elif part == "bullet":
            out.append(f"- {text}")
        else:
            out.append(text)
        out.append("")
    return "\n".join(out)


def to_html(parts, page_title: str) -> str:
    body = []
    bullets: list[str] = []
    for part, text in parts + [("end", "")]:
        if part != "bullet" and bullets:
            body.append("<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in bullets) + "</ul>")
            bullets = []
        if part == "bullet":
            bullets.append(text)
        elif part == "title":
            body.append(f"<h1>{html.escape(text)}</h1>")
        elif part == "heading":
            body.append(f"<h2>{html.escape(text)}</h2>")
        elif part != "end":
            body.append(f"<p>{html.escape(text)}</p>")
    nav = "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
    footer = "<footer><p>Cookie settings</p><p>Contact us</p></footer>"
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(page_title)}</title>"
            f"</head><body>{nav}<main><article>{''.join(body)}</article></main>{footer}</body></html>")
