"""The shipped table of English local authorities, name keys, URNs, and every shared report's authority."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ofsted_nlp import authorities as au

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "ofsted_reports"


def test_153_current_authorities_with_unique_codes_and_names():
    current = au.authorities()
    assert len(current) == au.N_CURRENT == 153
    assert len({a.la_code for a in current}) == 153
    assert len({a.ons_code for a in current}) == 153
    assert len({au.name_key(a.name) for a in current}) == 153
    regions = {a.region for a in current}
    assert len(regions) == 9 and "London" in regions
    assert sum(a.region == "London" for a in current) == 33  # 32 boroughs and the City
    assert all(a.ons_code[:3] in ("E06", "E08", "E09", "E10") and len(a.ons_code) == 9 for a in current)
    assert all(len(a.la_code) == 3 and a.la_code.isdigit() for a in current)
    former = [a for a in au.authorities(include_former=True) if a.status == "former"]
    assert {a.name for a in former} == {"Cumbria", "Northamptonshire", "Dorset", "Bournemouth", "Poole"}
    assert all(au.by_code(code).status == "current" for a in former for code in a.successor_codes)


def test_no_name_or_alias_points_at_two_current_authorities():
    for a in au.authorities():
        for name in a.names:
            found = [c for c in au.candidates(name) if c.status == "current"]
            assert found == [a], (name, found)


@pytest.mark.parametrize("name", ["York City Council", "York", "City of York Council", "city of york", "YORK"])
def test_york_spellings_are_one_authority(name):
    assert au.find_authority(name).la_code == "816"
    assert au.name_key(name) == "york"


@pytest.mark.parametrize("name, code", [
    ("London Borough of Barking and Dagenham", "301"),
    ("Royal Borough of Windsor and Maidenhead", "868"),
    ("Windsor & Maidenhead", "868"),
    ("St. Helens Metropolitan Borough Council", "342"),
    ("Kingston Upon Hull City Council", "810"),
    ("Hull", "810"),
    ("Bristol City of", "801"),
    ("Durham County Council", "840"),
    ("Council of the Isles of Scilly", "420"),
    ("City of London", "201"),
    ("London Corporation", "201"),
    ("Bournemouth, Christchurch & Poole", "839"),
    ("Southend-on-Sea city council", "882"),
    ("Bradford Children and Families Trust", "380"),
    ("E06000014", "816"),  # an ONS code
    ("E10000023", "815"),  # North Yorkshire's code before it became unitary
])
def test_spellings_and_codes(name, code):
    assert au.find_authority(name).la_code == code


def test_a_name_shared_with_a_former_authority_resolves_by_date():
    assert au.find_authority("Dorset").la_code == "838"
    assert au.find_authority("Dorset", date="2016-05-01").la_code == "835"
    assert au.find_authority("Dorset", date="2021-11-19").la_code == "838"


def test_generic_and_unknown_names():
    assert au.find_authority("local authority") is None
    assert au.find_authority("Exampleshire") is None
    found, how = au.authority_for("2022-06-01_exampleshire_12345", "local authority")
    assert (found, how) == (None, "none")


def test_authority_for_a_publication_prefers_the_urn_then_the_name_then_the_file_name():
    assert au.authority_for("2022-05-04_york_80453", "Wigan") == (au.find_authority("York"), "urn")
    assert au.authority_for("2022-05-04_somewhere_1", "City of York Council") == (au.find_authority("York"), "name")
    assert au.authority_for("2022-05-04_york_1", "local authority") == (au.find_authority("York"), "file name")
    assert au.authority_for("not-a-file-name", None) == (None, "none")


def test_learn_urns_from_an_index(tmp_path):
    index = tmp_path / "index.csv"
    index.write_text("file,urn,local_authority\na.pdf,80453,york\nb.pdf,80453,City of York Council\n"
                     "c.pdf,80579,wigan\n", encoding="utf-8")
    rows = au.learn_urns(index)
    assert [(r["urn"], r["la_code"]) for r in rows] == [("80453", "816"), ("80579", "359")]
    index.write_text("file,urn,local_authority\na.pdf,1,york\nb.pdf,1,wigan\n", encoding="utf-8")
    with pytest.raises(ValueError, match="URN 1"):
        au.learn_urns(index)


def test_authority_table_is_a_frame():
    df = au.authority_table()
    assert len(df) == 153 and {"la_code", "name", "ons_code", "region", "aliases"} <= set(df.columns)


# --------------------------------------------------------------------------- the shared corpus


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "index.csv").exists(), reason="../shared/ofsted_reports is absent")
def test_every_shared_report_maps_to_exactly_one_authority():
    """The URN in each file name, the index's name and the name the report prints all meet one authority."""
    from ofsted_nlp.errors import ReportError
    from ofsted_nlp.reading.metadata import local_authority as _local_authority
    from ofsted_nlp.reading.pdf import read_pdf

    with open(SHARED / "index.csv", newline="", encoding="utf-8") as fh:
        index = {row["file"]: row for row in csv.DictReader(fh)}
    learnt = {r["urn"]: r["la_code"] for r in au.learn_urns(SHARED / "index.csv")}
    assert learnt == au.urn_map()  # the shipped mapping is the one the index teaches
    pdfs = sorted(SHARED.glob("*.pdf"))
    assert pdfs
    printed_names: dict[str, set] = {}
    for pdf in pdfs:
        by_urn, how = au.authority_for(pdf.stem)
        assert how == "urn" and by_urn is not None and by_urn.status == "current", pdf.name
        row = index.get(pdf.name)
        if row is not None:
            assert [a.la_code for a in au.candidates(row["local_authority"]) if a.status == "current"] \
                == [by_urn.la_code], pdf.name
        try:
            front = "\n".join(read_pdf(pdf).page_texts[:2])
        except ReportError:
            continue  # not a PDF: its URN still maps (above)
        printed = _local_authority(front, pdf.stem)
        printed_names.setdefault(by_urn.la_code, set()).add(printed)
        if au.name_key(printed) in au.GENERIC_NAMES:
            continue
        assert au.authority_for(pdf.stem.rsplit("_", 1)[0] + "_0", printed)[0] == by_urn, (pdf.name, printed)
    york = printed_names.get("816", set())
    assert {"York City Council", "York", "City of York Council"} <= york
