"""Small report-shaped PDFs for tests, drawn with reportlab (the real reports are never copied)."""
from __future__ import annotations

import textwrap
from pathlib import Path

PAGE_W, PAGE_H = 595, 842
LEFT, NUM_LEFT, TOP, BOTTOM = 71, 99, 90, 760  # top-down coordinates, as in the real reports


class _Writer:
    def __init__(self, path: Path, running_header: str):
        from reportlab.pdfgen import canvas

        self.c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
        self.header = running_header
        self.page = 0
        self.y = TOP
        self.footnotes: list[str] = []
        self._new_page(first=True)

    def _new_page(self, first=False):
        if not first:
            self._finish_page()
            self.c.showPage()
        self.page += 1
        self.y = TOP

    def _finish_page(self):
        c = self.c
        y = BOTTOM - 14 * len(self.footnotes)
        for note in self.footnotes:
            c.setFont("Helvetica", 9)
            c.drawString(LEFT, PAGE_H - y, note)
            y += 12
        self.footnotes = []
        c.setFont("Helvetica-Bold", 7.9)
        c.drawString(LEFT, PAGE_H - 800, self.header)
        c.setFont("Helvetica", 20)
        c.drawString(514, PAGE_H - 808, str(self.page))

    def _line(self, text, font="Helvetica", size=12, x=LEFT):
        if self.y > BOTTOM - 30:
            self._new_page()
        self.c.setFont(font, size)
        self.c.drawString(x, PAGE_H - self.y - size, text)
        self.y += size * 1.2

    def heading(self, text, size=14):
        self.y += 8
        for part in textwrap.wrap(text, 60):
            self._line(part, "Helvetica-Bold", size)
        self.y += 6

    def text(self, text, width=80):
        for part in textwrap.wrap(text, width):
            self._line(part)
        self.y += 10

    def numbered(self, number, text):
        parts = textwrap.wrap(text, 75)
        if self.y > BOTTOM - 30:
            self._new_page()
        self.c.setFont("Helvetica", 12)
        self.c.drawString(LEFT, PAGE_H - self.y - 12, f"{number}.")
        for part in parts:
            self._line(part, x=NUM_LEFT)
        self.y += 10

    def bullet(self, text):
        parts = textwrap.wrap(text, 75)
        self._line("\u2022 " + parts[0])
        for part in parts[1:]:
            self._line(part, x=89)
        self.y += 4

    def lines(self, lines, font="Helvetica", size=12, x=LEFT, number=None):
        """Explicit lines (to control where each line starts), optionally numbered like a paragraph."""
        if self.y > BOTTOM - 30:
            self._new_page()
        if number is not None:
            self.c.setFont(font, size)
            self.c.drawString(LEFT, PAGE_H - self.y - size, f"{number}.")
            x = NUM_LEFT
        for part in lines:
            self._line(part, font, size, x=x)
        self.y += 10

    def row(self, left, right, font="Helvetica", size=12, right_x=303):
        """A two-column table row: `left` lines in the first column, `right` beside the first of them."""
        if self.y > BOTTOM - 60:
            self._new_page()
        top = self.y
        for part in left:
            self._line(part, font, size)
        self.c.setFont(font, size)
        self.c.drawString(right_x, PAGE_H - top - size, right)

    def footnote(self, text):
        self.footnotes.append(text)

    def force_page_break(self):
        self._new_page()

    def close(self):
        self._finish_page()
        self.c.save()


ILACS_GRADES = {
    "The impact of leaders on social work practice with children and families": "Good",
    "The experiences and progress of children who need help and protection": "Requires improvement to be good",
    "The experiences and progress of children in care and care leavers": "Good",
    "Overall effectiveness": "Good",
}


def _ilacs_front_page(path: Path, authority: str, grades: dict) -> _Writer:
    """Title, inspection dates, lead inspector and the grade table, as page 1 of an ILACS report."""
    w = _Writer(path, f"Inspection of {authority} local authority children's services")
    w.heading(f"Inspection of {authority} local authority children's services", 14)
    w.text("Inspection dates: 9 May to 20 May 2022")
    w.text("Lead inspector: Jane Example, Her Majesty's Inspector")
    w._line("Judgement", "Helvetica-Bold")
    for label, grade in grades.items():
        for part in textwrap.wrap(label, 40):
            w._line(part)
        w._line(grade)
    w.y += 10
    return w


def make_ilacs_report(path, authority="Exampleshire", grades=None, break_sentence_across_pages=False) -> Path:
    """An ILACS-layout report: title, dates, grade table, summary, improvements, three judgement sections."""
    path = Path(path)
    grades = grades or ILACS_GRADES
    w = _ilacs_front_page(path, authority, grades)
    w.text("Services for children in Exampleshire have improved since the last inspection in 2019. "
           "Leaders, e.g. the director of children's services, know their service well. "
           "Dr Smith chairs the partnership board.")
    w.heading("What needs to improve?")
    w.bullet("The quality of plans for children in need, so that they are specific and timely.")
    w.bullet("Support for care leavers at the point of transition.")
    w.footnote("1 This footnote must never appear in a sentence.")
    w.heading("The experiences and progress of children who need help and protection: requires improvement to be good")
    w.numbered(1, "Children and families receive a timely response at the front door. Thresholds are well understood.")
    w.numbered(2, "Strategy discussions are not always held in a timely way. This means that some children wait too long.")
    if break_sentence_across_pages:
        w.text("The following paragraph runs across the page break to check that broken sentences are joined again.")
        while w.y < BOTTOM - 50:
            w.text("Padding line about early help services in the area, which are well used by families.")
        w._line("Assessments of children's needs are thorough and")
        w.force_page_break()
        w._line("consider the history of the family well.")
        w.y += 10
    w.heading("The experiences and progress of children in care and care leavers: good")
    w.numbered(3, "Children come into care when it is in their best interests. Most children live in stable homes.")
    w.numbered(4, "Care leavers are well supported by personal advisers who know them well.")
    w.heading("The impact of leaders on social work practice with children and families: good")
    w.numbered(5, "Senior leaders have an accurate understanding of the quality of practice.")
    w.close()
    return path


def _sif_front_page(path: Path, authority: str) -> _Writer:
    """Authority, title, inspection and publication dates, as page 1 of a SIF report."""
    w = _Writer(path, f"{authority} Inspection of services for children")
    w._line(authority)
    w.heading("Inspection of services for children in need of help and protection, children looked after and "
              "care leavers and Review of the effectiveness of the Local Safeguarding Children Board")
    w.text("Inspection date: 24 February 2015 - 18 March 2015")
    w.text("Report published: 12 May 2015")
    return w


def make_sif_report(path, authority="London Borough of Example", layout="headings") -> Path:
    """A SIF-layout report (2014-2018). `layout="table"` prints each judgement's title in a
    "Key judgement | Judgement grade" table in body type, as the reports of 2014-15 do."""
    if layout == "table":
        return _make_sif_table_report(Path(path), authority)
    path = Path(path)
    w = _sif_front_page(path, authority)
    w.heading("The overall judgement is that children's services are inadequate")
    for label, grade in [("1. Children who need help and protection", "Requires improvement"),
                         ("2. Children looked after and achieving permanence", "Inadequate"),
                         ("2.1 Adoption performance", "Inadequate"),
                         ("2.2 Experiences and progress of care leavers", "Requires improvement"),
                         ("3. Leadership, management and governance", "Inadequate")]:
        w._line(label, "Helvetica-Bold")
        w._line(grade)
    w.force_page_break()
    w.heading("Summary of findings", 14)
    w.text("Performance information is poor or not available.")
    w.heading("The experiences and progress of children who need help and protection", 14)
    w.heading("Summary", 12)
    w.numbered(10, "Children in need of help receive good early help from a wide range of agencies.")
    w.heading("The Local Safeguarding Children Board (LSCB)", 14)
    w.text("The Local Safeguarding Children Board is inadequate. The board does not monitor partners well.")
    w.close()
    return path


def make_unrelated_pdf(path) -> Path:
    path = Path(path)
    w = _Writer(path, "Minutes of the allotment society")
    w.heading("Minutes of the annual general meeting")
    w.text("The society discussed the price of compost and the state of the shared shed.")
    w.close()
    return path


BACK_COVER = [
    "The Office for Standards in Education, Children's Services and Skills (Ofsted)",
    "regulates and inspects to achieve excellence in the care of children and young",
    "people, and in education and skills for learners of all ages.",
    "Piccadilly Gate",
    "Store Street",
    "Manchester",
    "M1 2WD",
    "T: 0300 123 1231",
    "© Crown copyright 2015",
]


def _make_sif_table_report(path: Path, authority: str) -> Path:
    w = _sif_front_page(path, authority)
    w.heading("The overall judgement is that children's services require improvement")
    w.text("The welfare of looked after children is safeguarded and promoted.")
    for label, grade in [("1. Children who need help and protection", "Good"),
                         ("2. Children looked after and achieving permanence", "Requires improvement"),
                         ("2.1 Adoption performance", "Good"),
                         ("2.2 Experiences and progress of care leavers", "Inadequate"),
                         ("3. Leadership, management and governance", "Requires improvement")]:
        w._line(label, "Helvetica-Bold")
        w._line(grade)
    w.heading("The effectiveness of the Local Safeguarding Children Board (LSCB) requires improvement")
    w.force_page_break()
    w.heading("Summary of findings", 14)
    w.text("Leaders know their services well and have a clear plan for improvement.")
    w.heading("What does the local authority need to improve?", 14)
    w.heading("Areas for improvement", 12)
    w._line("Leadership, management and governance")
    w.y += 10
    w.numbered(1, "Ensure that performance information is accurate and used by managers to improve practice.")
    w._line("Quality of practice")
    w.y += 10
    w.numbered(2, "Ensure that all plans for children are specific and reviewed on time.")
    w.heading("Information about this local authority area", 14)
    w.heading("Children living in this area", 12)
    w.text("The proportion of children entitled to free school meals:")
    w._line("\u2013 in primary schools is 18% (the national average is 19%)", x=89)
    w._line("\u2013 in secondary schools is 12% (the national average is 13%).", x=89)
    w.y += 10
    w.force_page_break()
    w.heading("Inspection judgements about the local authority", 14)
    for title, grade, paragraphs in [
        (["The experiences and progress of children", "who need help and protection"], "Good",
         [(10, "Children in need of help receive good early help from a wide range of agencies."),
          (11, "Strategy discussions are held promptly and include the right agencies.")]),
        (["The experiences and progress of children", "looked after and achieving permanence"], "Requires improvement",
         [(20, "Most children live in stable placements that meet their needs.")]),
    ]:
        w.row(["Key judgement"], "Judgement grade", font="Helvetica-Bold")
        w.row(title, grade)
        w.y += 10
        w.heading("Summary", 12)
        w.text("This summary finding is about the judgement above.")
        w.heading("Inspection findings", 14)
        for number, text in paragraphs:
            w.numbered(number, text)
    w.heading("The graded judgement for adoption performance is that it is good", 12)
    w.numbered(21, "Adopters are recruited in good time and prepared well.")
    w.lines(["The proportion of children looked after who do well in all three subjects was",
             "49.4% compared with 52% for England as a whole."], number=22)
    w.heading("The graded judgement about the experience and progress of care leavers is that it is inadequate", 12)
    w.numbered(23, "Too many care leavers live in unsuitable accommodation.")
    w.force_page_break()
    w.row(["Key judgement"], "Judgement grade", font="Helvetica-Bold")
    w.row(["Leadership, management and governance"], "Requires improvement")
    w.y += 10
    w.heading("Summary", 12)
    w.numbered(30, "Senior leaders have an accurate understanding of the quality of practice.")
    w.heading("The Local Safeguarding Children Board (LSCB)", 16)
    w.heading("The Local Safeguarding Children Board requires improvement", 14)
    w.heading("Executive summary", 14)
    w.text("The board does not monitor partners well.")
    w.heading("Recommendations", 14)
    w.numbered(40, "Ensure that the board evaluates the impact of its training.")
    w.heading("Inspection findings", 14)
    w.numbered(41, "The board's annual report is published and shared with partners.")
    w.force_page_break()
    for line in BACK_COVER:
        w._line(line)
    w.close()
    return path


def make_ilacs_body_size_headings_report(path, authority="Sampletown") -> Path:
    """An ILACS layout whose judgement headings are set in body-size bold, the grade on its own line,
    straight after the bullet list of what needs to improve (as in Thurrock 2019)."""
    path = Path(path)
    w = _ilacs_front_page(path, authority, ILACS_GRADES)
    w.text("Services for children in Sampletown have improved since the last inspection.")
    w.heading("What needs to improve", 12)
    w.bullet("Planned transitions for disabled young people.")
    w.bullet("Timeliness of initial health assessments")
    for title, grade, paragraphs in [
        ("The experiences and progress of children who need help and protection:", "Requires improvement to be good",
         [(1, "Strong partnerships in the front door serve to protect children from harm.")]),
        ("The experiences and progress of children in care and care leavers:", "Good",
         [(2, "Children are settled in their placements. Most children live in stable homes;")]),
    ]:
        w._line(title, "Helvetica-Bold")
        w._line(grade, "Helvetica-Bold")
        w.y += 10
        for number, text in paragraphs:
            w.numbered(number, text)
    # a sentence broken by the page after a semicolon
    w.force_page_break()
    w._line("they are well supported by their carers.", x=NUM_LEFT)
    w.y += 10
    w._line("The impact of leaders on social work practice with children and families:", "Helvetica-Bold")
    w._line("Good", "Helvetica-Bold")
    w.y += 10
    w.numbered(3, "Senior leaders have an accurate understanding of the quality of practice.")
    w.close()
    return path


def make_letter_pdf(path, parts) -> Path:
    """An Ofsted letter as Ofsted lays it out: the letterhead in small type at the top right, the date and
    the addressee at the left, "Dear ...", a bold title, bold headings, bulleted lists and the sign-off.
    `parts` is a list of (part, text) as in tests/letter_texts.py."""
    path = Path(path)
    w = _Writer(path, "")
    w.header = ""
    y_head = 40
    for part, text in parts:
        if part == "letterhead":
            w.c.setFont("Helvetica", 8)
            w.c.drawString(430, PAGE_H - y_head, text)
            y_head += 10
            continue
        if part in ("date", "salutation"):
            w.y += 6
            w._line(text)
            w.y += 6
        elif part in ("address", "signoff", "byline", "link"):
            w._line(text)
        elif part in ("title", "heading"):
            w.heading(text, 12)
        elif part == "bullet":
            w.bullet(text)
        else:
            w.text(text)
        if part == "address" and w.y < y_head:
            w.y = y_head
    w.close()
    return path


def make_school_report_pdf(path) -> Path:
    """A school inspection report: an Ofsted PDF of the wrong kind for this library."""
    path = Path(path)
    w = _Writer(path, "Inspection report: Hilltop Primary School")
    w.heading("Inspection of Hilltop Primary School", 16)
    w.text("Inspection dates: 1 and 2 March 2023")
    w.text("Overall effectiveness: Good")
    w.heading("What is it like to attend this school?")
    w.text("Pupils enjoy coming to this school. The headteacher has high expectations of every pupil. "
           "Ofsted inspectors spoke to pupils and staff.")
    w.close()
    return path


def make_encrypted_pdf(path, user_password="secret") -> Path:
    """A one-page PDF encrypted with reportlab (AES-128); an empty user password opens without one."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    encrypt = pdfencrypt.StandardEncryption(user_password, ownerPassword="owner", strength=128)
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt=encrypt)
    c.setFont("Helvetica", 12)
    c.drawString(LEFT, PAGE_H - TOP, "Inspection of Sampletown local authority children's services")
    c.showPage()
    c.save()
    return Path(path)
