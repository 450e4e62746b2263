"""Derive who held which office, where and when (1945-2025) from the shared reference files.

Reads, at build time, the three files of `shared/reference/` (see its README.md):

- `cia_factbook_executives_1990_2025.csv`: chief of state and head of government per
  country per CIA World Factbook edition, "(since D Month YYYY)" dates, surnames in CAPITALS;
  the 2018-2020 editions are empty.
- `reign_leaderlist_3_21.csv` (Windows-1252): the REIGN "effective leader" per country, start
  day and end month, 1945 - March 2021.
- `CountryInfo.140728.txt`: `<Leaders>` (about 1960-2009) and `<Government>` cabinet blocks
  (January 2003 - February 2011) with CAMEO codes, titles and date ranges.

and writes, under tasks/extract/reference/:

- `leader_terms.tsv`: `canonical, country, role_code, start, end, source`
- `leader_names.tsv`: `name_variant, canonical, kind` (kind `full`, `title` or `surname`)

People are linked across sources (and to the canonical names of the Phoenix-derived and
hand-curated office files already in the reference folder) by country, surname and
overlapping dates. The output is deterministic (sorted; no timestamps).

Usage:
    python scripts/build_office_terms.py [REFERENCE_SOURCE_DIR] [--out DIR]

REFERENCE_SOURCE_DIR defaults to ../shared/reference relative to the repository root.
"""
from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import hashlib
import io
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tasks.refdata import read_tsv  # noqa: E402

DEFAULT_SRC = REPO.parent / "shared" / "reference"
DEFAULT_OUT = REPO / "tasks" / "extract" / "reference"

FACTBOOK = "cia_factbook_executives_1990_2025.csv"
REIGN = "reign_leaderlist_3_21.csv"
COUNTRYINFO = "CountryInfo.140728.txt"
# Commits and licences as recorded in shared/reference/README.md.
PROVENANCE = {
    FACTBOOK: ("MilkMp/CIA-World-Factbooks-Archive-1990-2025@b998f60a91d7", "public domain (US government work)"),
    REIGN: ("OEFDataScience/REIGN.github.io@d7a8a6f17c95", "no licence stated; cite Bell, Besaw & Frank (2021), REIGN"),
    COUNTRYINFO: ("philip-schrodt/CountryInfo-1@29836057d47e", "MIT, (c) 2014 Open Event Data Alliance"),
}
REIGN_DATA_END = dt.date(2021, 3, 1)  # rows ending in this month are still in office
CI_LEADERS_END = dt.date(2009, 12, 31)  # "[>date]" in <Leaders>: in office at that update
CI_GOV_END = dt.date(2011, 2, 28)  # "[>date]" in <Government>: in office in Feb 2011
CI_GOV_START = dt.date(2003, 1, 1)  # "[<date]" in <Government>: in office in Jan 2003
LAST_EDITION = 2025

# Factbook rows kept: sovereign states and the dissolved ones (Soviet Union, Yugoslavia, ...).
FACTBOOK_TYPES = frozenset({"sovereign", "dissolved", "disputed"})
# Factbook country names whose ISO2 follows the archive's own mapping, and pre-ISO states.
FACTBOOK_BY_NAME = {
    "soviet union": "RUS", "yugoslavia": "SRB", "serbia and montenegro": "SRB",
    "czechoslovakia": "CZE", "german democratic republic": "DDR", "east germany": "DDR",
    "germany, east": "DDR", "kosovo": "XKX",
}
# COW codes of REIGN that CountryInfo does not map to a code we keep. The successor state
# code is used where the gazetteer's part_of rules give the historical state on the date.
COW_EXTRA = {"GDR": "DDR", "GFR": "DEU", "YAR": "YEM", "DRV": "VNM", "YUG": "SRB", "CZE": "CZE",
             "RUS": "RUS", "KOS": "XKX"}
LEGACY_CODES = {"KSV": "XKX", "TMP": "TLS", "USR": "RUS", "FRY": "SRB", "SCG": "SRB", "YUG": "SRB"}

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
SINCE_RE = re.compile(r"since\s+(?:(\d{1,2}|NA)\s+)?(?:([A-Za-z]+)\s+)?(\d{4})")
DATE_RE = re.compile(r"\(\s*(?:(\d{1,2}|NA)\s+)?(?:([A-Za-z]+)\s+)?(\d{4})\s*\)")
CAPS_RE = re.compile(r"^(?:[A-Z][A-Z'’\-]*[A-Z]|[A-Z]{2,})\.?$")
# Words of a Factbook title (compared in lower case); honorifics are not part of a name.
TITLE_WORDS = frozenset("""
president vice first second third prime minister premier deputy chancellor king queen emperor
empress emir amir sultan crown prince princess grand duke duchess co-prince co-princes chairman
chairwoman chairperson chief executive supreme leader head state government federal council
councils presidium presiding presidency people's peoples national assembly of the and for
acting interim transitional provisional captain captains regent regents governor general
governor-general secretary party central committee military revolutionary command salvation
premiers presidents ministers minister-president taoiseach tanaiste pope sovereign pontiff
mayor administrator officer commission commissioner high representative speaker senior
executives vice-president vice-chairman lord lady mann heir apparent presumptive chairmen
yang di-pertuan agong timbalan raja bailiff chamberlain commander in defense defence forces
junta armed liberation front transition
""".split())
HONORIFICS = frozenset("""
sir dame shaykh sheikh shaikh dr dr. gen gen. general lt lt. col col. colonel maj maj. major
brig brig. brigadier adm adm. admiral marshal field air vice-admiral lieutenant lieutenant-general
major-general mr mrs ms hajji haji hon prof prof. archbishop bishop cardinal father rev
mwai his her highness excellency royal
""".split())
# Titles that, before a surname, name the office-holder in news ("Prime Minister Kishida").
NEWS_TITLES = ("Vice President", "Deputy Prime Minister", "Prime Minister", "President", "Premier",
               "Chancellor", "King", "Queen", "Emperor", "Emir", "Amir", "Sultan", "Crown Prince",
               "Supreme Leader")
FOREIGN_TITLE = re.compile(r"foreign|external affairs|external relations", re.I)
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def fold(s: str) -> str:
    """Lower case ASCII form used to compare names across sources."""
    s = unicodedata.normalize("NFKD", s.replace("’", "'"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def name_tokens(s: str) -> tuple[str, ...]:
    """Comparable tokens of a name: folded, split at spaces, hyphens and underscores, no dots."""
    return tuple(t for t in re.split(r"[\s_\-]+", fold(s).replace(".", "")) if t and t not in NAME_SUFFIXES)


def titlecase(tok: str) -> str:
    """`KISHIDA` -> `Kishida`, `YEL'TSIN` -> `Yel'tsin`, `AL-ASSAD` -> `Al-Assad`."""
    return "-".join(p[:1].upper() + p[1:].lower() for p in tok.split("-"))


def clamp_date(y: int, m: int, d: int) -> dt.date:
    """A date with the day clamped to the month (CountryInfo writes 20090931)."""
    m = min(max(m, 1), 12)
    return dt.date(y, m, min(max(d, 1), calendar.monthrange(y, m)[1]))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass
class Term:
    country: str
    role: str
    start: dt.date | None
    end: dt.date | None
    source: str


@dataclass
class Person:
    """One person as one source knows them; linked into clusters later."""

    source: str
    country: str
    display: str
    tokens: tuple[str, ...]
    surname: tuple[str, ...] | None  # known only where a source marks it (Factbook capitals)
    terms: list[Term] = field(default_factory=list)
    variants: set[tuple[str, str]] = field(default_factory=set)  # (variant, kind)
    canonical_rank: int = 9  # lower wins: 0 curated, 1 Phoenix, 2 CountryInfo, 3 Factbook, 4 REIGN


# --------------------------------------------------------------------------- Factbook
@dataclass
class FbHolder:
    year: int
    field: str  # 'chief' | 'head'
    primary: bool
    title: str
    display: str
    given_first: str
    surname: str  # caps run, title-cased
    since: dt.date | None


def parse_since(paren: str, field_name: str) -> dt.date | None:
    """The date of "(since 4 October 2021)", "(chief of state since ...; head of government since ...)"."""
    text = paren
    want = "chief of state since" if field_name == "chief" else "head of government since"
    k = paren.lower().find(want)
    if k >= 0:
        text = paren[k:]
    m = SINCE_RE.search(text)
    if not m and "born" not in text and "since" not in text:
        m = DATE_RE.search(text)  # "(14 March 2003)"
    if not m:
        return None
    day, month, year = m.group(1), m.group(2), int(m.group(3))
    mon = MONTHS.get((month or "").lower())
    if mon is None:
        return dt.date(year, 1, 1)
    d = int(day) if day and day.isdigit() else 1
    try:
        return dt.date(year, mon, d)
    except ValueError:
        return clamp_date(year, mon, d)


def split_top(text: str) -> list[str]:
    """Split at ';' outside parentheses, and at ' and ' / ', ' before a new title."""
    parts, depth, cur = [], 0, []
    for ch in text:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch == ";" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    out = []
    for p in parts:
        out.extend(re.split(r"\)\s*(?:,|and)\s+(?=[A-Z])|,?\s+represented by\s+|\s+and\s+(?=(?:First |Second )?"
                            r"(?:Vice|Deputy|Prime|Crown|President|Premier))", p))
    return [p.strip(" ,.") for p in out if p.strip(" ,.")]


def parse_holder(seg: str, field_name: str, first: bool) -> tuple[str, list[str], dt.date | None] | None:
    """(title, name tokens, since) of "Prime Minister Fumio KISHIDA (since 4 October 2021)"."""
    if re.match(r"(?i)\s*(note|election|results|cabinet|head of government|chief of state|the )", seg):
        return None
    seg = re.sub(r"\((\w+)\)\s+(?=[A-Z])", "", seg)  # nicknames: "Anthony C. L. (Tony) BLAIR"
    k = seg.find("(")
    head, paren = (seg[:k], seg[k:]) if k >= 0 else (seg, "")
    head = re.split(r"\s+(?:was|is|who|were|are|elected|appointed|became|has|had|daughter|son|wife|husband|"
                    r"brother|sister|heir|born)\b", head)[0]
    head = re.sub(r"\s+of\s+[A-Z][a-z]+$", "", head.strip(" ,"))  # "... NUHAYYAN of Abu Dhabi"
    toks = head.split()
    if not toks or len(toks) > 14:
        return None
    caps = [i for i, t in enumerate(toks) if CAPS_RE.match(t.strip(",")) and t.strip(",").lower() not in HONORIFICS]
    if not caps:
        return None
    i = 0
    while i < caps[0] and (toks[i].lower().strip(",") in TITLE_WORDS or toks[i].lower() in HONORIFICS):
        i += 1
    title_end = i
    while title_end > 0 and toks[title_end - 1].lower() in HONORIFICS:
        title_end -= 1
    title = " ".join(toks[:title_end])
    name = [t.strip(",") for t in toks[i:] if t.strip(",")]
    if not name or not (title or (first and caps[0] <= 3)):
        return None
    return title, name, parse_since(paren, field_name)


def parse_factbook(path: Path, valid: set[str]) -> dict[str, dict[int, list[FbHolder]]]:
    """Holders per country per edition."""
    import pycountry

    out: dict[str, dict[int, list[FbHolder]]] = defaultdict(dict)
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, r in enumerate(csv.DictReader(f), 2):
            if r["entity_type"] not in FACTBOOK_TYPES:
                continue
            code = FACTBOOK_BY_NAME.get(r["country"].strip().lower())
            if code is None and r["iso2"]:
                c = pycountry.countries.get(alpha_2=r["iso2"])
                code = c.alpha_3 if c else ("XKX" if r["iso2"] == "XK" else None)
            if code not in valid:
                continue
            try:
                year = int(r["factbook_year"])
            except ValueError as e:
                raise SystemExit(f"{path}:{lineno}: bad factbook_year {r['factbook_year']!r}") from e
            holders: list[FbHolder] = []
            seen: set[tuple[str, str]] = set()
            for field_name, col in (("chief", "chief_of_state"), ("head", "head_of_government")):
                first = True
                for seg in split_top(r[col] or ""):
                    p = parse_holder(seg, field_name, first)
                    if p is None:
                        continue
                    title, name, since = p
                    caps = [t for t in name if CAPS_RE.match(t) and t.lower() not in HONORIFICS]
                    surname = " ".join(titlecase(t.rstrip(".")) for t in caps)
                    disp = " ".join(titlecase(t) if CAPS_RE.match(t) and t.lower() not in ("ii", "iii", "iv") else t
                                    for t in name)
                    given = next((t for t in name if not CAPS_RE.match(t) and t[0].isupper() and "." not in t), "")
                    if (field_name, disp) in seen:
                        continue
                    seen.add((field_name, disp))
                    holders.append(FbHolder(year, field_name, first, title, disp, given, surname, since))
                    first = False
            if holders:
                out[code][year] = holders
    return out


def factbook_persons(fb: dict[str, dict[int, list[FbHolder]]]) -> list[Person]:
    """One Person per country and name, with terms from consecutive editions."""
    persons: list[Person] = []
    for code in sorted(fb):
        eds = fb[code]
        years = sorted(eds)
        groups: dict[str, Person] = {}
        # (display) -> list of (year, holder)
        seen: dict[str, list[FbHolder]] = defaultdict(list)
        for y in years:
            for h in eds[y]:
                seen[h.display].append(h)
        for disp, hs in seen.items():
            p = groups.get(disp)
            if p is None:
                sur = tuple(name_tokens(hs[0].surname))
                p = groups[disp] = Person("factbook", code, disp, name_tokens(disp), sur, canonical_rank=3)
                persons.append(p)
            # one term per (field, since) group of editions
            by_key: dict[tuple[str, dt.date | None], list[FbHolder]] = defaultdict(list)
            for h in hs:
                by_key[(h.field, h.since)].append(h)
            for (fld, since), group in by_key.items():
                first_y = min(h.year for h in group)
                last_y = max(h.year for h in group)
                start = since or dt.date(first_y, 1, 1)
                if since and since.year > last_y + 1:
                    continue  # a future date: a misprint
                end = _factbook_end(eds, years, group[-1], fld, start, disp, last_y)
                # an heir to the throne is royalty (ELI, as in Phoenix), not an office-holder
                role = "ELI" if "heir" in group[-1].title.lower() else "GOV"
                p.terms.append(Term(code, role, start, end, "factbook"))
            for h in hs:
                p.variants.add((h.display, "full"))
                if h.given_first and h.surname:
                    p.variants.add((f"{h.given_first} {h.surname}", "full"))
                if h.surname:
                    stoks = re.split(r"[\s\-]+", h.surname)
                    p.variants.add((h.surname, "surname" if len(stoks) == 1 else "full"))
                    short = f"{h.given_first} {h.surname}" if h.given_first else h.display
                    if h.display.startswith(h.surname + " "):  # family name first: "Xi Jinping"
                        short = h.display
                    for t in NEWS_TITLES:
                        if re.search(rf"(^|\band\s|\s){t}$", h.title) or h.title == t or h.title.startswith(t + " and "):
                            # "Premier Li" alone, and "Premier Li Qiang" so that the longer name wins
                            p.variants.add((f"{t} {h.surname}", "title"))
                            p.variants.add((f"{t} {short}", "title"))
    return persons


def _factbook_end(eds: dict[int, list[FbHolder]], years: list[int], h: FbHolder, fld: str,
                  start: dt.date, disp: str, last_y: int) -> dt.date | None:
    """End of a term last seen in edition `last_y`: the successor's "since", else 31 Dec."""
    later = [y for y in years if y > last_y]
    if not later:
        return None if last_y == LAST_EDITION else dt.date(last_y, 12, 31)
    nxt = eds[later[0]]
    fallback = dt.date(last_y, 12, 31)
    limit = dt.date(later[0], 12, 31)
    same = [x for x in nxt if x.display == disp and x.field == fld and x.since and start < x.since <= limit]
    if same:
        return same[0].since
    if h.primary:
        succ = [x for x in nxt if x.field == fld and x.primary and x.display != disp]
    else:
        succ = [x for x in nxt if x.field == fld and x.title == h.title and x.display != disp]
    dates = sorted(x.since for x in succ if x.since and start < x.since <= limit)
    return dates[0] if dates else max(fallback, start)


# --------------------------------------------------------------------------- CountryInfo
def parse_countryinfo(path: Path, valid: set[str]) -> tuple[dict[str, str], list[Person]]:
    """COW alpha -> ISO3 map and the people of the <Leaders> and <Government> blocks."""
    text = path.read_text(encoding="utf-8", errors="replace")
    cow: dict[str, str] = {}
    persons: list[Person] = []
    for block in re.findall(r"<Country>(.*?)</Country>", text, flags=re.S):
        m = re.search(r"<CountryCode>\s*([A-Z]{3})\s*</CountryCode>", block)
        if not m:
            continue
        code = LEGACY_CODES.get(m.group(1), m.group(1))
        ca = re.search(r"<COW-Alpha>\s*([A-Z]{3})\s*</COW-Alpha>", block)
        if ca and code in valid:
            cow.setdefault(ca.group(1), code)
        if code not in valid:
            continue
        lead = re.search(r"<Leaders>(.*?)</Leaders>", block, flags=re.S)
        if lead:
            persons.extend(_ci_leaders(lead.group(1), code))
        gov = re.search(r"<Government>(.*?)</Government>", block, flags=re.S)
        if gov:
            persons.extend(_ci_government(gov.group(1), valid))
    return cow, persons


def _ci_date(s: str) -> dt.date | None:
    s = s.strip()
    if not re.fullmatch(r"\d{8}", s):
        return None
    y, m, d = int(s[:4]), int(s[4:6]), int(s[6:8])
    if not 1800 < y < 2100 or not 1 <= m <= 12:
        return None
    return clamp_date(y, m, d)


def _ci_range(s: str, open_end: dt.date, open_start: dt.date | None) -> tuple[dt.date | None, dt.date | None] | None:
    s = s.replace(" ", "")
    if s.startswith(">"):
        d = _ci_date(s[1:])
        return (d, max(open_end, d)) if d else None
    if s.startswith("<"):
        d = _ci_date(s[1:])
        return (min(open_start, d) if open_start else None, d) if d else None
    if "-" in s:
        a, b = s.split("-", 1)
        da, db = _ci_date(a), _ci_date(b)
        if da and db and da <= db:
            return da, db
    return None


def _ci_names(raw: str) -> list[str]:
    names = re.findall(r"\{([^}]*)\}", raw) or [raw]
    return [re.sub(r"[_\s]+", " ", n).strip(" ,") for n in names if n.strip(" _")]


def _ci_display(raw: str) -> str:
    from build_reference import display_name  # same display form as the Phoenix-derived files

    return display_name(raw.replace(" ", "_"))


def _ci_leaders(body: str, code: str) -> list[Person]:
    out = []
    for line in body.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if not line.strip() or line.strip().startswith("<"):
            continue
        ranges = [r for r in re.findall(r"\[([^\]]*)\]", line) if not r.strip().startswith(("B:", "D:"))]
        raw = re.sub(r"\[[^\]]*\]", "", line).strip()
        names = _ci_names(raw)
        if not names or not ranges:
            continue
        disp = _ci_display(names[0])
        p = Person("countryinfo", code, disp, name_tokens(disp), None, canonical_rank=2)
        for r in ranges:
            se = _ci_range(r, CI_LEADERS_END, None)
            if se:
                p.terms.append(Term(code, "GOV", se[0], se[1], "countryinfo-leaders"))
        for n in names:
            p.variants.add((_ci_display(n), "full"))
        if p.terms:
            out.append(p)
    return out


def _ci_government(body: str, valid: set[str]) -> list[Person]:
    out = []
    for line in body.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        codes_part, _, title = line.partition("#")
        codes = re.findall(r"\[([^\]]*)\]", codes_part)
        raw = re.sub(r"\[[^\]]*\]", "", codes_part).strip()
        names = _ci_names(raw)
        if not names or not codes:
            continue
        titles = [t.strip() for t in title.split(" & ")] if title.strip() else []
        disp = _ci_display(names[0])
        people: dict[str, Person] = {}
        for i, c in enumerate(codes):
            parts = c.split(None, 1)
            if len(parts) != 2 or not re.fullmatch(r"[A-Z]{3,}", parts[0]):
                continue
            country = LEGACY_CODES.get(parts[0][:3], parts[0][:3])
            role = parts[0][3:]
            if country not in valid or not role.startswith(("GOV", "MIL", "JUD", "LEG", "SPY", "COP")):
                continue
            se = _ci_range(parts[1], CI_GOV_END, CI_GOV_START)
            if se is None:
                continue
            t_i = titles[i] if len(titles) == len(codes) else (titles[0] if len(codes) == 1 and titles else "")
            if role == "GOV" and t_i and FOREIGN_TITLE.search(t_i) and "minister" in t_i.lower():
                role = "GOVFRM"
            p = people.get(country)
            if p is None:
                p = people[country] = Person("countryinfo", country, disp, name_tokens(disp), None, canonical_rank=2)
                for n in names:
                    p.variants.add((_ci_display(n), "full"))
            p.terms.append(Term(country, role, se[0], se[1], "countryinfo-government"))
        out.extend(people.values())
    return out


# --------------------------------------------------------------------------- REIGN
def read_reign(path: Path) -> list[dict[str, str]]:
    """REIGN rows; the file is Windows-1252 except a few UTF-8 URLs in the notes column."""
    rows = []
    data = path.read_bytes().split(b"\n")
    lines = []
    for lineno, b in enumerate(data, 1):
        try:
            lines.append(b.decode("cp1252"))
        except UnicodeDecodeError:
            try:
                lines.append(b.decode("utf-8"))
            except UnicodeDecodeError as e:
                raise SystemExit(f"{path}:{lineno}: neither Windows-1252 nor UTF-8: {e}") from e
    for r in csv.DictReader(io.StringIO("\n".join(lines))):
        if r.get("leader"):
            rows.append(r)
    return rows


def reign_persons(rows: list[dict[str, str]], cow: dict[str, str], valid: set[str],
                  fb: dict[str, dict[int, list[FbHolder]]]) -> list[Person]:
    by_country: dict[str, list[tuple[dt.date, dict[str, str]]]] = defaultdict(list)
    for r in rows:
        code = COW_EXTRA.get(r["stateabb"]) or cow.get(r["stateabb"])
        if code not in valid:
            continue
        try:
            start = clamp_date(int(r["syear"]), int(r["smonth"]), int(r["sdate"] or 1))
            if r["eyear"].strip() or r["emonth"].strip():
                int(r["eyear"]), int(r["emonth"])
        except ValueError:
            raise SystemExit(f"{REIGN}: bad date in row {r!r}") from None
        by_country[code].append((start, r))
    out = []
    for code in sorted(by_country):
        rs = sorted(by_country[code], key=lambda x: x[0])
        for i, (start, r) in enumerate(rs):
            ey, em = (int(r["eyear"]), int(r["emonth"])) if r["eyear"].strip() else (9999, 12)
            if (ey, em) >= (REIGN_DATA_END.year, REIGN_DATA_END.month):
                end = _reign_open_end(fb.get(code, {}), start, r["leader"])
            else:
                nxt = rs[i + 1][0] if i + 1 < len(rs) else None
                if nxt and (nxt.year, nxt.month) == (ey, em):
                    end = nxt
                else:
                    end = clamp_date(ey, em, 31)
            if end is not None and end < start:
                continue
            name = r["leader"].strip()
            p = Person("reign", code, name, name_tokens(name), None, canonical_rank=4)
            p.terms.append(Term(code, "GOV", start, end, "reign"))
            toks = name_tokens(name)
            p.variants.add((name, "surname" if len(toks) == 1 else "full"))
            if len(toks) > 1 and "-" not in name.split()[-1]:  # "Yoshihide Suga": the last word
                p.variants.add((name.split()[-1], "surname"))
            out.append(p)
    return out


def _reign_open_end(eds: dict[int, list[FbHolder]], start: dt.date, leader: str) -> dt.date | None:
    """End of a leader still in office in March 2021. Where the 2021+ Factbook editions list
    the leader, the REIGN term stops at the end of its data and the Factbook term goes on;
    otherwise it ends at the next primary holder's "since" in those editions."""
    toks = set(name_tokens(leader))
    later = [y for y in sorted(eds) if y >= 2021]
    if any(toks & set(name_tokens(h.surname)) for y in later for h in eds[y]):
        return REIGN_DATA_END
    dates = [h.since for y in later for h in eds[y] if h.primary and h.since and h.since > start]
    return min(dates) if dates else None


# --------------------------------------------------------------------------- linking
def repo_persons(ref: Path) -> list[Person]:
    """Canonical names already in use (curated, then Phoenix), with their dated terms."""
    out: dict[tuple[str, str], Person] = {}
    for fname, rank in (("office_terms_curated.tsv", 0), ("office_terms.tsv", 1)):
        for r in read_tsv(ref / fname):
            if not r["role_code"].startswith("GOV") or not (r["start"] or r["end"]):
                continue
            key = (r["canonical"], r["country"])
            p = out.get(key)
            if p is None:
                p = out[key] = Person(fname, r["country"], r["canonical"], name_tokens(r["canonical"]), None,
                                      canonical_rank=rank)
            elif p.canonical_rank < rank:
                continue
            p.terms.append(Term(r["country"], r["role_code"],
                                dt.date.fromisoformat(r["start"]) if r["start"] else None,
                                dt.date.fromisoformat(r["end"]) if r["end"] else None, fname))
    return list(out.values())


def _overlap(a: Person, b: Person, slack: int = 400) -> bool:
    for x in a.terms:
        for y in b.terms:
            xs, xe = x.start or dt.date(1900, 1, 1), x.end or dt.date(2100, 1, 1)
            ys, ye = y.start or dt.date(1900, 1, 1), y.end or dt.date(2100, 1, 1)
            if xs - dt.timedelta(days=slack) <= ye and ys - dt.timedelta(days=slack) <= xe:
                return True
    return False


def _contains(hay: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(hay[i:i + n] == needle for i in range(len(hay) - n + 1))


def _same_person(a: Person, b: Person) -> bool:
    if a.country != b.country:
        return False
    if a.tokens == b.tokens:
        return True
    sur = a.surname or b.surname
    x, y = (a, b) if a.surname else (b, a)
    if sur:
        if not _contains(y.tokens, sur):
            return False
        given_x = [t for t in x.tokens if t not in sur]
        given_y = [t for t in y.tokens if t not in sur]
        if given_x and given_y:
            gx, gy = given_x[0], given_y[0]
            if not (gx == gy or (min(len(gx), len(gy)) <= 2 and gx[0] == gy[0])):
                return False  # "Li Keqiang" and "Li Qiang" are two people
            return _overlap(x, y)
        return _overlap(x, y, slack=60)
    # neither marks a surname: last tokens (Western order) or a one-word REIGN name
    if len(a.tokens) == 1 or len(b.tokens) == 1:
        one, other = (a, b) if len(a.tokens) == 1 else (b, a)
        return one.tokens[0] in other.tokens and _overlap(a, b, slack=60)
    if a.tokens[-1] == b.tokens[-1] and a.tokens[0][:1] == b.tokens[0][:1]:
        return _overlap(a, b)
    return False


def link(persons: list[Person]) -> list[list[Person]]:
    parent = list(range(len(persons)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(persons):
        for t in set(p.tokens):
            if len(t) > 1:
                index[(p.country, t)].append(i)
    for i, p in enumerate(persons):
        keys = p.surname or (p.tokens[-1:] if p.tokens else ())
        cands: set[int] = set()
        for t in keys:
            cands.update(index.get((p.country, t), ()))
        for j in sorted(cands):
            if j <= i or find(i) == find(j):
                continue
            # two repository canonicals are never merged with each other
            if persons[i].canonical_rank <= 1 and persons[j].canonical_rank <= 1:
                continue
            if _same_person(p, persons[j]):
                ri, rj = find(i), find(j)
                parent[max(ri, rj)] = min(ri, rj)
    clusters: dict[int, list[Person]] = defaultdict(list)
    for i, p in enumerate(persons):
        clusters[find(i)].append(p)
    return list(clusters.values())


def merge_terms(terms: list[Term]) -> list[Term]:
    """Union of overlapping terms per (country, role); the source of the first is kept."""
    out: list[Term] = []
    groups: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for t in terms:
        groups[(t.country, t.role)].append(t)
    for key in sorted(groups):
        ts = sorted(groups[key], key=lambda t: (t.start or dt.date.min, t.end or dt.date.max))
        cur: Term | None = None
        for t in ts:
            if cur is not None and (cur.end is None or (t.start or dt.date.min) <= cur.end):
                if cur.end is not None and (t.end is None or t.end > cur.end):
                    cur.end = t.end
                if t.source not in cur.source.split("+"):
                    cur.source = "+".join(sorted({*cur.source.split("+"), t.source}))
                continue
            cur = Term(t.country, t.role, t.start, t.end, t.source)
            out.append(cur)
    return out


def fix_gap(cluster: list[Person]) -> None:
    """Factbook terms last seen in 2017: REIGN's end, where REIGN ended them in 2018-2021."""
    reign_ends = [t.end for p in cluster if p.source == "reign" for t in p.terms
                  if t.end and dt.date(2017, 6, 1) <= t.end < REIGN_DATA_END]
    reign_open = any(t.end is None or t.end >= REIGN_DATA_END for p in cluster if p.source == "reign" for t in p.terms)
    if not reign_ends or reign_open:
        return
    for p in cluster:
        if p.source != "factbook":
            continue
        for t in p.terms:
            if t.end and t.end.year >= 2018 and t.start and t.start < max(reign_ends):
                t.end = max(reign_ends)


# --------------------------------------------------------------------------- main
def build(src: Path, out: Path) -> tuple[int, int, int]:
    for name in (FACTBOOK, REIGN, COUNTRYINFO):
        if not (src / name).is_file():
            raise SystemExit(f"missing source file {src / name}")
    valid = {r["code"] for r in read_tsv(out / "countries.tsv")}
    fb = parse_factbook(src / FACTBOOK, valid)
    cow, ci = parse_countryinfo(src / COUNTRYINFO, valid)
    rg = reign_persons(read_reign(src / REIGN), cow, valid, fb)
    derived = factbook_persons(fb) + ci + rg
    persons = repo_persons(out) + derived
    term_rows: set[tuple[str, ...]] = set()
    name_rows: set[tuple[str, str, str]] = set()
    for cluster in link(persons):
        new = [p for p in cluster if p.source in ("factbook", "countryinfo", "reign")]
        if not new:
            continue
        fix_gap(cluster)
        best = min(cluster, key=lambda p: (p.canonical_rank, -len(p.tokens), p.display))
        canonical = best.display
        for t in merge_terms([t for p in new for t in p.terms]):
            term_rows.add((canonical, t.country, t.role, t.start.isoformat() if t.start else "",
                           t.end.isoformat() if t.end else "", t.source))
        for p in new:
            for v, kind in p.variants:
                v = v.strip()
                if v and name_tokens(v) != name_tokens(canonical) and re.search(r"[^\W\d_]", v):
                    name_rows.add((v, canonical, kind))
    # a surname that is also a full variant of someone keeps only the stronger kind
    full_keys = {(name_tokens(v), c) for v, c, k in name_rows if k != "surname"}
    name_rows = {r for r in name_rows if r[2] != "surname" or (name_tokens(r[0]), r[1]) not in full_keys}
    prov = "; ".join(f"{n} from {PROVENANCE[n][0]} (sha256 {sha256(src / n)}), {PROVENANCE[n][1]}"
                     for n in (FACTBOOK, REIGN, COUNTRYINFO))
    comment = f"# derived by scripts/build_office_terms.py from shared/reference: {prov}"
    _write(out / "leader_terms.tsv", ["canonical", "country", "role_code", "start", "end", "source"],
           sorted(term_rows, key=lambda r: (r[0], r[3], r[4], r[1], r[2])), comment)
    _write(out / "leader_names.tsv", ["name_variant", "canonical", "kind"], sorted(name_rows), comment)
    n_people = len({r[0] for r in term_rows})
    return n_people, len(term_rows), len(name_rows)


def _write(path: Path, header: list[str], rows: list[tuple[str, ...]], comment: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(comment + "\n" + "\t".join(header) + "\n")
        for r in rows:
            if any("\t" in c or "\n" in c for c in r):
                raise SystemExit(f"{path.name}: a tab or line break in {r!r}")
            f.write("\t".join(r) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", nargs="?", type=Path, default=DEFAULT_SRC, help="shared reference folder (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="reference folder (default: %(default)s)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    n_people, n_terms, n_names = build(args.src, args.out)
    print(f"persons={n_people} terms={n_terms} name_variants={n_names}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
