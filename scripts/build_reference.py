"""Regenerate the derived reference files under tasks/extract/reference/.

Sources (MIT, Open Event Data Alliance, openeventdata/petrarch2 at commit
676801cd9cb2924bbbad09f86d15c9323e7097bf, petrarch2/data/dictionaries/):

- Phoenix.Countries.actors.txt  -> person_names.tsv, office_terms.tsv
- Phoenix.International.actors.txt -> organisations_phoenix.tsv

The hand-curated files (countries.tsv, country_aliases.tsv, organisations.tsv) are
edited by hand; this script only reads them (valid codes, canonical organisation
names) and never writes them.

Usage:
    python scripts/build_reference.py [EXTERNAL_DIR] [--out DIR]

EXTERNAL_DIR defaults to ../shared/eval/external relative to the repository root.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tasks.refdata import read_tsv  # noqa: E402
DEFAULT_EXTERNAL = REPO.parent / "shared" / "eval" / "external"
DEFAULT_OUT = REPO / "tasks" / "extract" / "reference"
PHOENIX_DIR = "petrarch2_actor_dictionaries"
PHOENIX_COMMIT = "676801cd9cb2924bbbad09f86d15c9323e7097bf"
PHOENIX_VERSION = "2014-01-30"  # CountryInfo.140130, the date the dictionary was generated

# Non-ISO codes used by the Phoenix dictionaries for states we do code.
LEGACY_CODES = {"KSV": "XKX", "TMP": "TLS", "USR": "SUN", "FRY": "YUG", "SCG": "YUG"}

# Words that must never stand alone as a person or organisation name: they occur
# capitalised at sentence starts, in titles and headlines.
STOPWORDS = frozenset("""
a about above after again against all also an and any are as at away back be because been
before being below between both but by can could day did do does down during each even
every few first for from further general good great had has have he her here him his how
i if in into is it its just last like long made make many may me might more most much
must my new next no nor not now of off on once one only or other our out over own part
people said same say see she should since so some state still such take than that the
their them then there these they this those through time to too two under until up upon
us very was way we well were what when where which while who whom why will with would
year years yet you your
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
president prime minister premier chancellor king queen prince princess emperor sultan
emir sheikh chairman chief leader general colonel admiral marshal secretary deputy
senator governor mayor ambassador envoy official officials spokesman spokeswoman judge
justice speaker member party government army navy police court council assembly
parliament congress senate union commission committee office bureau agency ministry
department bank fund forum summit group league alliance front movement federation
republic kingdom state states nation nations national international world global
security peace foreign defence defense interior finance trade economy economic
north south east west northern southern eastern western central middle upper lower
old young little big black white green brown gray grey red blue gold silver
love hope faith grace joy rose lily iris hunter baker cook smith carpenter mason
bishop pope saint cardinal father mother brother sister son daughter sir lord lady mr
mrs ms dr
will power rich long short strong little young bush rice major
""".split())

ORG_KEYWORDS = re.compile(
    r"\b(UNITED_NATIONS|ORGANI[SZ]ATION|ORGANI[SZ]ATIONS|UNION|COUNCIL|COMMISSION|BANK|FUND|"
    r"AGENCY|COMMUNITY|ASSOCIATION|ASSEMBLY|PARLIAMENT|COURT|TRIBUNAL|TREATY|ALLIANCE|"
    r"LEAGUE|SECRETARIAT|PROGRAMME|PROGRAM|CONFERENCE|COOPERATION|AUTHORITY|FORUM|"
    r"COMMONWEALTH|CONVENTION|INSTITUTE|OFFICE|GROUP|MISSION|FEDERATION|PANEL|NATIONS|"
    r"PROGRAMME|UN|U\.N\.|EU|PARTNERSHIP|SECURITY COUNCIL)\b"
)
NOT_A_PERSON = re.compile(
    r"\b(ARMY|PARTY|FRONT|MOVEMENT|FORCES|COUNCIL|MINISTRY|GOVERNMENT|LEAGUE|UNION|POLICE|"
    r"COURT|ASSEMBLY|PARLIAMENT|CONGRESS|COMMITTEE|LIBERATION|POLITBURO|REPUBLIC|REPUBLICA|"
    r"BRIGADES?|ORGANI[SZ]ATION|NATIONAL|ADMINISTRATION|CABINET|JUNTA|REGIME)\b"
)
# CAMEO sector codes a person's role may start with; other codes (e.g. GBRVGBGOV) are
# dependent territories and are left out.
SECTORS = frozenset(
    "GOV MIL REB OPP PTY COP JUD SPY MED EDU BUS CRM CVL ELI LEG HLH HRI REF AGR DEV ENV "
    "LAB REL UAF MOD RAD INS SEP".split()
)
SMALL_WORDS = frozenset("of the and for on in to at by de des du la le et a an".split())
TITLE_WORDS = frozenset(
    "mr mrs ms dr president prime minister premier foreign chancellor king queen prince "
    "secretary senator general gen sheikh emir sultan former ex acting vice deputy".split()
)


@dataclass
class Entry:
    """One TABARI dictionary entry: names sharing a block of codes."""

    names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    line: int = 0


CODE_RE = re.compile(r"\[([^\]]*)\]")


def parse_tabari(path: Path) -> list[Entry]:
    """Group TABARI actor lines into entries.

    A `+` line adds a synonym to the current entry; a tab-indented `[CODE ...]` line or an
    inline code adds codes. A plain name line starts a new entry unless the current
    entry has no codes yet, in which case it is one more name of that entry.
    """
    entries: list[Entry] = []
    cur: Entry | None = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            codes_part = line.split("#", 1)[0]
            codes = [c.strip() for c in CODE_RE.findall(codes_part)]
            name_part = CODE_RE.sub(" ", codes_part).strip()
            if line[0] in " \t" or (not name_part and codes):
                if cur is not None:
                    cur.codes.extend(codes)
                continue
            if name_part.startswith("+"):
                if cur is None:
                    cur = Entry(line=lineno)
                    entries.append(cur)
                cur.names.append(name_part[1:].strip())
                cur.codes.extend(codes)
                continue
            if cur is None or cur.codes:
                cur = Entry(line=lineno)
                entries.append(cur)
            cur.names.append(name_part)
            cur.codes.extend(codes)
    return entries


def parse_date(s: str) -> dt.date | None:
    """YYMMDD (00-20 -> 20YY, else 19YY) or YYYYMMDD; None when malformed."""
    s = s.strip()
    try:
        if len(s) == 6:
            yy = int(s[:2])
            year = 2000 + yy if yy <= 20 else 1900 + yy
            return dt.date(year, int(s[2:4]), int(s[4:6]))
        if len(s) == 8:
            return dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None
    return None


def parse_code(code: str) -> tuple[str, str, dt.date | None, dt.date | None, bool] | None:
    """`RUSGOV 991231-080507` -> ('RUS', 'GOV', start, end, dated); None if unusable."""
    parts = code.split(None, 1)
    if not parts or not re.fullmatch(r"[A-Z]{3,}", parts[0]):
        return None
    head, rest = parts[0], (parts[1].replace(" ", "") if len(parts) > 1 else "")
    country, role = head[:3], head[3:]
    start = end = None
    if rest:
        if rest.startswith(">"):
            start = parse_date(rest[1:])
            if start is None:
                return None
        elif rest.startswith("<"):
            end = parse_date(rest[1:])
            if end is None:
                return None
        elif "-" in rest:
            a, b = rest.split("-", 1)
            start, end = parse_date(a), parse_date(b)
            if start is None or end is None or end < start:
                return None
        else:
            return None
    return country, role, start, end, bool(rest)


def display_name(raw: str) -> str:
    """`VLADIMIR_V._PUTIN_` -> `Vladimir V. Putin` (display only; matching is case-folded)."""
    words = re.sub(r"[_\s]+", " ", raw).strip(" _,").split(" ")
    out = []
    for i, w in enumerate(words):
        parts = []
        for p in w.split("-"):
            low = p.lower()
            if i > 0 and low in SMALL_WORDS:
                parts.append(low)
            elif i > 0 and re.fullmatch(r"[ivx]+", low):
                parts.append(p.upper())  # regnal numbers: Abdullah II
            elif "'" in p and len(p.split("'", 1)[0]) == 1:
                a, b = p.split("'", 1)
                parts.append(a.upper() + "'" + b.capitalize())
            else:
                parts.append(p.capitalize())
        out.append("-".join(parts))
    return " ".join(out)


def org_display(raw: str) -> str:
    """Display form for an organisation name; short tokens stay upper case (acronyms)."""
    words = re.sub(r"[_\s]+", " ", raw).strip(" _,").split(" ")
    if len(words) == 1 and len(words[0]) <= 6:
        return words[0].upper()
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        if i > 0 and low in SMALL_WORDS:
            out.append(low)
        elif len(w) <= 3 or "." in w or not re.search(r"[AEIOU]", w):
            out.append(w.upper())
        else:
            out.append(w.capitalize())
    return " ".join(out)


def variant_text(raw: str) -> str:
    """Phoenix pattern -> plain text variant: underscores to spaces, trimmed."""
    return re.sub(r"[_\s]+", " ", raw).strip(" ,")


def tokens_of(variant: str) -> list[str]:
    """Tokens as the matcher sees them (hyphens split, dots dropped), lower case."""
    return [t for t in re.split(r"[\s\-]+", variant.replace(".", "").lower()) if t]


def keep_variant(variant: str) -> bool:
    """Drop variants that are a single common word or made only of titles/stopwords."""
    toks = tokens_of(variant)
    if not toks or not re.match(r"[A-Za-z]", variant):
        return False
    if len(toks) == 1:
        t = toks[0]
        return len(t) >= 3 and t not in STOPWORDS and t.isalpha()
    return any(t not in STOPWORDS and t not in TITLE_WORDS and len(t) > 1 for t in toks)


def write_tsv(path: Path, header: list[str], rows: list[list[str]], comment: str) -> None:
    """Write rows with a version comment line and a header; temp file then rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(comment.rstrip("\n") + "\n")
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    tmp.replace(path)


def sha256(path: Path) -> str:
    """Hex digest of a source file, recorded in the output header."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def build_persons(src: Path, valid: set[str], out: Path) -> tuple[int, int, int]:
    """Write person_names.tsv and office_terms.tsv from the Countries dictionary."""
    terms: dict[str, set[tuple[str, str, str, str]]] = {}
    names: dict[str, set[str]] = {}
    order: list[str] = []
    for e in parse_tabari(src):
        parsed = [p for p in (parse_code(c) for c in e.codes) if p is not None]
        if any(not p[1] or p[1] in valid for p in parsed):
            continue  # a country or territory entry (`[AFG]`, `[USRARM <900823]`)
        person_terms = []
        for country, role, start, end, dated in parsed:
            country = LEGACY_CODES.get(country, country)
            if country not in valid or role[:3] not in SECTORS:
                continue
            person_terms.append((country, role, start, end, dated))
        # A person has at least one dated term with a role; undated-only entries are
        # institutions (armies, parties, ministries) and country entries carry no role.
        if not person_terms or not any(t[4] for t in person_terms):
            continue
        canonical = display_name(e.names[0])
        if not keep_variant(variant_text(e.names[0])) or NOT_A_PERSON.search(variant_text(e.names[0]).upper()):
            continue
        if canonical not in terms:
            order.append(canonical)
            terms[canonical] = set()
            names[canonical] = set()
        for country, role, start, end, _ in person_terms:
            terms[canonical].add(
                (country, role, start.isoformat() if start else "", end.isoformat() if end else "")
            )
        for n in e.names:
            v = variant_text(n)
            if keep_variant(v):
                names[canonical].add(v)
    name_rows: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    for c in order:
        for v in sorted(names[c], key=lambda s: (len(s), s)):
            key = (" ".join(tokens_of(v)), c)
            if key in seen or key[0] == " ".join(tokens_of(c)):
                continue  # the canonical name is always a name of its person
            seen.add(key)
            name_rows.append([v, c])
    term_rows = [[c, *t] for c in order for t in sorted(terms[c], key=lambda t: (t[2], t[3], t[0], t[1]))]
    comment = (
        f"# version: {PHOENIX_VERSION}; derived by scripts/build_reference.py from "
        f"openeventdata/petrarch2@{PHOENIX_COMMIT[:12]} {PHOENIX_DIR}/{src.name} "
        f"(sha256 {sha256(src)}), MIT"
    )
    write_tsv(out / "person_names.tsv", ["name_variant", "canonical"], name_rows,
              comment + "\n# each canonical name in office_terms.tsv is also a name; only other variants are listed")
    write_tsv(out / "office_terms.tsv", ["canonical", "country", "role_code", "start", "end"], term_rows, comment)
    return len(order), len(name_rows), len(term_rows)


def build_organisations(src: Path, curated: tuple[dict[str, str], ...], out: Path) -> int:
    """Write organisations_phoenix.tsv: IGO entries of the International dictionary."""
    by_code = {r["phoenix_code"]: r["canonical"] for r in curated if r.get("phoenix_code")}
    rows: list[list[str]] = []
    seen: set[str] = set()
    for e in parse_tabari(src):
        parsed = [parse_code(c) for c in e.codes]
        if not parsed or any(p is None for p in parsed):
            continue
        if any(p[4] for p in parsed):  # dated codes: a person holding an IGO post
            continue
        codes = [p[0] + p[1] for p in parsed]
        igo = [c for c in codes if c.startswith("IGO")]
        if not igo:
            continue
        code = igo[0]
        canonical = by_code.get(code) or org_display(e.names[0])
        for n in e.names:
            raw = n.strip(" _")
            if raw.startswith("THE_"):
                raw = raw[4:]
            single = "_" not in raw and " " not in raw
            if not single and not ORG_KEYWORDS.search(variant_text(raw).upper()):
                continue  # most likely a named official, not a body
            alias = org_display(raw)
            if not keep_variant(alias.lower()) and not (single and len(raw) <= 6):
                continue
            key = " ".join(tokens_of(alias))
            if key in seen:
                continue
            seen.add(key)
            rows.append([alias, canonical, code])
    comment = (
        f"# version: {PHOENIX_VERSION}; derived by scripts/build_reference.py from "
        f"openeventdata/petrarch2@{PHOENIX_COMMIT[:12]} {PHOENIX_DIR}/{src.name} "
        f"(sha256 {sha256(src)}), MIT"
    )
    write_tsv(out / "organisations_phoenix.tsv", ["alias", "canonical", "phoenix_code"], rows, comment)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("external", nargs="?", type=Path, default=DEFAULT_EXTERNAL,
                    help=f"folder holding {PHOENIX_DIR}/ (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="reference folder (default: %(default)s)")
    args = ap.parse_args(argv)
    phoenix = args.external / PHOENIX_DIR
    if not phoenix.is_dir():
        print(f"no {PHOENIX_DIR}/ under {args.external}", file=sys.stderr)
        return 2
    valid = {r["code"] for r in read_tsv(args.out / "countries.tsv")}
    curated_orgs = read_tsv(args.out / "organisations.tsv")
    n_people, n_names, n_terms = build_persons(phoenix / "Phoenix.Countries.actors.txt", valid, args.out)
    n_orgs = build_organisations(phoenix / "Phoenix.International.actors.txt", curated_orgs, args.out)
    print(f"persons={n_people} name_variants={n_names} terms={n_terms} organisation_aliases={n_orgs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
