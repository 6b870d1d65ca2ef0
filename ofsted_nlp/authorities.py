"""The English local authorities with children's services, and which one a publication is about.

Two tables ship with the package:

- ``authorities.csv``: the 153 current authorities (DfE LA code, ONS code, canonical name, type,
  region) and the 5 former ones merged away since 2019 (Dorset county, Bournemouth, Poole,
  Northamptonshire, Cumbria) with their successors; ``aliases`` lists other names they go by
  (";"-separated), ``former_ons_codes`` the codes an area had before it became unitary.
- ``authority_urns.csv``: Ofsted's URN for each authority's children's services, learnt from the
  shared ``index.csv`` (``learn_urns``), so a publication named ``DATE_NAME_URN.pdf`` maps to its
  authority however the report spells the name ("York", "City of York Council", "York City Council").

``find_authority(name=..., urn=..., date=...)`` resolves either; names go through
``name_key`` first, which drops the words councils wrap their names in ("London Borough of",
"Metropolitan Borough Council", "City Council", "the"...), so every spelling meets one key.
Nothing here imports pandas at module level.
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_HERE = Path(__file__).resolve().parent
AUTHORITIES_CSV = _HERE / "authorities.csv"
URNS_CSV = _HERE / "authority_urns.csv"
N_CURRENT = 153  # English local authorities with children's services since April 2023

# The words that wrap a council's name, removed (first and last, repeatedly) to reach its key.
_PREFIXES = re.compile(
    r"^(?:the |royal borough of |london borough of |metropolitan borough of |city and county of |city of |"
    r"county of |council of the |borough of |corporation of )")
_SUFFIXES = re.compile(
    r" (?:metropolitan borough council|metropolitan district council|district metropolitan council|"
    r"metropolitan council|metropolitan borough|metropolitan district|borough council|county council|"
    r"city council|district council|unitary authority|council|city of|county of|city|borough|"
    r"children s services|children s services trust|local authority)$")
GENERIC_NAMES = frozenset({"", "local authority", "council", "the local authority", "children s services"})


def name_key(name: object) -> str:
    """The comparable key of an authority's name: lower case, '&' as 'and', no punctuation, and
    without the council words around it. ``name_key("City of York Council") == "york"``."""
    if not isinstance(name, str):
        return ""
    t = name.lower().replace("&", " and ").replace("’", "'")
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    t = re.sub(r"\bst\b", "st", t)
    previous = None
    while previous != t:
        previous = t
        t = _PREFIXES.sub("", t)
        stripped = _SUFFIXES.sub("", t)
        t = stripped if stripped else t
    return t.strip()


@dataclass(frozen=True)
class Authority:
    """An English local authority with children's services, as listed in the shipped authorities.csv."""

    la_code: str  # DfE's three-digit LA code, e.g. "816"
    name: str  # canonical name, e.g. "York"
    ons_code: str  # ONS/GSS code, e.g. "E06000014"
    type: str  # county, unitary, metropolitan_district, london_borough
    region: str
    status: str  # current or former
    valid_from: str | None = None  # ISO date a new authority began (None: before 2019)
    valid_to: str | None = None  # ISO date a former authority ended
    successor_codes: tuple = ()
    former_ons_codes: tuple = ()
    aliases: tuple = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name, then the aliases."""
        return (self.name, *self.aliases)

    def to_dict(self) -> dict:
        """The columns a table row carries about its authority: la_code, la_name, ons_code, la_type, region."""
        return {"la_code": self.la_code, "la_name": self.name, "ons_code": self.ons_code,
                "la_type": self.type, "region": self.region}


def _split(cell: str) -> tuple:
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


@functools.lru_cache(maxsize=1)
def _load() -> tuple[Authority, ...]:
    with open(AUTHORITIES_CSV, newline="", encoding="utf-8") as fh:
        return tuple(Authority(
            la_code=row["la_code"], name=row["name"], ons_code=row["ons_code"], type=row["type"],
            region=row["region"], status=row["status"], valid_from=row["valid_from"] or None,
            valid_to=row["valid_to"] or None, successor_codes=_split(row["successor_codes"]),
            former_ons_codes=_split(row["former_ons_codes"]), aliases=_split(row["aliases"]),
        ) for row in csv.DictReader(fh))


def authorities(include_former: bool = False) -> list[Authority]:
    """The current authorities (153), and the former ones too when asked."""
    return [a for a in _load() if include_former or a.status == "current"]


def authority_table(include_former: bool = False) -> pd.DataFrame:
    """The shipped table as a pandas DataFrame (aliases and codes ';'-joined)."""
    import pandas as pd

    return pd.read_csv(AUTHORITIES_CSV, dtype=str, keep_default_na=False).query(
        "status == 'current'" if not include_former else "status == status").reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _by_key() -> dict[str, tuple[Authority, ...]]:
    index: dict[str, list[Authority]] = {}
    for a in _load():
        for n in a.names:
            key = name_key(n)
            if key and a not in index.setdefault(key, []):
                index[key].append(a)
    return {k: tuple(v) for k, v in index.items()}


@functools.lru_cache(maxsize=1)
def _by_code() -> dict[str, Authority]:
    out = {}
    for a in _load():
        out[a.la_code] = a
        out[a.ons_code] = a
        for code in a.former_ons_codes:
            out[code] = a
    return out


@functools.lru_cache(maxsize=1)
def urn_map() -> dict[str, str]:
    """Ofsted URN -> DfE LA code, as shipped in authority_urns.csv."""
    if not URNS_CSV.exists():
        return {}
    with open(URNS_CSV, newline="", encoding="utf-8") as fh:
        return {row["urn"]: row["la_code"] for row in csv.DictReader(fh)}


def candidates(name: str | None) -> tuple[Authority, ...]:
    """Every authority (current or former) whose name or alias has the key of ``name``."""
    return _by_key().get(name_key(name), ())


def by_code(code: str | int | None) -> Authority | None:
    """The authority with this DfE LA code or ONS code (current or former)."""
    return _by_code().get(str(code).strip()) if code is not None else None


def find_authority(name: str | None = None, *, urn: str | int | None = None,
                   date: str | Date | None = None) -> Authority | None:
    """The authority a URN or a name stands for; None when neither is known.

    The URN wins when it is known. A name shared by a current and a former authority ("Dorset")
    resolves to the one that existed at ``date`` (an ISO date string or a date), else to the
    current one.
    """
    if urn is not None:
        code = urn_map().get(str(urn).strip())
        if code is not None:
            return by_code(code)
    if name is None:
        return None
    found = candidates(name)
    if not found:
        return by_code(name)
    if len(found) == 1:
        return found[0]
    when = str(date)[:10] if date is not None else None
    if when:
        for a in found:
            if (a.valid_to is None or when <= a.valid_to) and (a.valid_from is None or when >= a.valid_from):
                return a
    current = [a for a in found if a.status == "current"]
    return current[0] if len(current) == 1 else None


_FILE_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})_(?P<slug>.+?)_(?P<urn>\d+)$")


def parse_file_name(stem: str) -> dict:
    """{'date', 'slug', 'urn'} from a publication id ``DATE_NAME_URN`` (values None when it is not one)."""
    m = _FILE_NAME.match(stem or "")
    if not m:
        return {"date": None, "slug": None, "urn": None}
    return {"date": m["date"], "slug": m["slug"].replace("-", " "), "urn": m["urn"]}


def authority_for(publication_id: str, printed_name: str | None = None,
                  date: str | Date | None = None) -> tuple[Authority | None, str]:
    """The authority a publication is about, and how it was found ("urn", "name", "file name" or
    "none"): the URN in its file name first, then the name it prints, then its file name's name."""
    parts = parse_file_name(publication_id)
    when = date or parts["date"]
    if parts["urn"] and parts["urn"] in urn_map():
        return find_authority(urn=parts["urn"]), "urn"
    if name_key(printed_name) not in GENERIC_NAMES:
        found = find_authority(printed_name, date=when)
        if found is not None:
            return found, "name"
    if parts["slug"]:
        found = find_authority(parts["slug"], date=when)
        if found is not None:
            return found, "file name"
    return None, "none"


def learn_urns(index_csv: str | Path) -> list[dict]:
    """URN -> authority rows from a scraped ``index.csv`` (columns ``urn`` and ``local_authority``).

    Raises ValueError when a URN's names resolve to no authority or to more than one: the shipped
    mapping must be unambiguous.
    """
    names: dict[str, set[str]] = {}
    with open(index_csv, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            names.setdefault(str(row["urn"]).strip(), set()).add(row["local_authority"])
    rows, problems = [], []
    for urn in sorted(names, key=int):
        found = {a.la_code for a in (find_authority(n) for n in names[urn]) if a is not None}
        if len(found) != 1:
            problems.append(f"URN {urn} ({', '.join(sorted(names[urn]))}): {sorted(found) or 'no authority'}")
            continue
        code = found.pop()
        authority = by_code(code)
        assert authority is not None  # the code came from the shipped table
        rows.append({"urn": urn, "la_code": code, "la_name": authority.name,
                     "names_in_index": ";".join(sorted(names[urn]))})
    if problems:
        raise ValueError("ambiguous or unknown authorities in the index: " + "; ".join(problems))
    return rows


def write_urns(index_csv: str | Path, out: str | Path = URNS_CSV) -> Path:
    """Write ``learn_urns(index_csv)`` as the shipped authority_urns.csv."""
    rows = learn_urns(index_csv)
    out = Path(out)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["urn", "la_code", "la_name", "names_in_index"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    urn_map.cache_clear()
    return out


if __name__ == "__main__":  # python -m ofsted_nlp.authorities ../shared/ofsted_reports/index.csv
    import sys

    print(write_urns(sys.argv[1]))
