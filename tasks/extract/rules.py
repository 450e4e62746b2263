"""The analysis an article's visits are learned from, and the hand rules that came before
the model (their proposals are now one of the model's features; see ``visits.py``).

``analyse`` reads an article once: its sentences, the actors of each, the visit words and
their kinds, the dateline, whom each sentence goes on about. The rules then propose visits
per sentence that holds a visit word (``reference/visit_lexicon.tsv``):

1. actors and places come from the gazetteer (countries, demonyms, capitals, seats of
   government, cities, office-holders on the article's date, organisations), plus people
   the article introduces with a demonym and a title ("Nigerian Finance Minister X", "King
   X of Y") and later mentions of anyone named in full by surname alone ("Mr X");
2. the visit word's kind assigns the roles: ``noun`` ("a visit to Y by X", "X's visit to
   Y", "During his visit to Y, X ..."), ``verb`` ("X visited Y", "X arrived in Y from Z"),
   ``host`` ("Y welcomed X", "hosting X at his Y resort"), ``meet`` ("met in Y", "summit in
   Y", "the Y talks": everyone named who is not from Y visits Y; a meeting placed nowhere is
   held at the dateline), ``send`` ("X sent Z to Y"), ``depart`` ("X left A for B", "X flew
   in from A") and ``accompany`` ("X accompanied Y to B"); a pronoun stands for the first
   person named before it in the sentence, else the person the previous sentences were
   about;
3. the date is the temporal expression nearest the visit word in its clause, not past
   another visit word or a "since", resolved against the publication date (none: the
   publication date, precision ``article``);
4. the status comes from cue words (``reference/status_cues.tsv``) in the visit's own
   clause and quotation, and the date: a visit dated after publication is planned, one
   dated before it occurred; hypothetical, refused and merely offered visits are dropped.

Mentions of the same visit in several sentences of one article are merged into one.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from tasks.extract import sentences, temporal
from tasks.extract.temporal import _trie
from tasks.extract.gazetteer import ActorMention, Gazetteer
from tasks.refdata import read_tsv

REFERENCE = Path(__file__).parent / "reference"

PLACE_KINDS = frozenset({"country", "capital", "seat", "city"})
NOUN_BEFORE = frozenset(
    "a an the his her their its our my this that first second third recent planned official state working "
    "surprise historic landmark rare upcoming week-long weeklong day-long".split()
)
VERB_BEFORE = frozenset("to will would did didn't not can could may might shall should must also".split())
CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:while|but|whereas|although|and|as)\b|\bwhile\b|\bbut\b|\bafter\b|\bbefore\b|\bwhen\b")
PREPOSITION_BEFORE = re.compile(r"\b(?:in|to|at|from|into|near|of|for|via|with)\s+(?:the\s+)?$", re.I)
PRONOUN = re.compile(r"\b(?:he|she|his|her|they|their)\b", re.I)
PRONOUN_POSSESSIVE = re.compile(r"\b(?:his|her|their)\s+(?:[\w-]+\s+){0,3}$", re.I)
OPENING_CLAUSE = re.compile(r"\W*(?:(?:before|after|while|when|on|upon|since|during)\s+)?$", re.I)
OPENING_NOUN = re.compile(
    r"\W*(?:[a-z]+ing\s+)?(?:(?:during|on|after|before|following|upon|ahead of|at the end of|in the course of)\s+)?"
    r"(?:a|an|the|his|her|their|its)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
SURNAME = re.compile(r"\b([A-Z][A-Za-z-]+)(?:['’][sS]?)?\b")
BY = re.compile(r"\bby\s+")
PARTICIPANTS = re.compile(r"\b(?:together with|brought together|brings together|bringing together|attended by|grouping)\b")
IN_AT_BEFORE = re.compile(r"\s*\b(?:in|at|to)\s+(?:the\s+)?$")
WITH = re.compile(r"\s+(?:with\s+)?")
CUE_BREAK = re.compile(r"[;:]|\b(?:when|while|but|whereas|although)\b")
COMMA = re.compile(r",(?!\d)")
AND = re.compile(r"\band\b")
_DATE_WORDS = "|".join(w.capitalize() for w in (*temporal.MONTHS, *temporal.WEEKDAYS))
BY_NAME = re.compile(rf"[^,;]{{0,20}}?\bby\s+(?:the\s+)?(?!(?:{_DATE_WORDS})\b)[A-Z]")
FOR = re.compile(r"\bfor(?=\s)")
TO_MEET = re.compile(r"\bto meet\b")
OPENING_SUBORDINATE = re.compile(r"(?:after|before|when|as|once|while|since)\b[^,]*", re.I)
NOUN_PHRASE_GAP = re.compile(r"(?:'s|’s)?\s+(?:[A-Za-z-]+\s+){0,3}", re.I)
COORDINATION_GAP = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)(?:[A-Za-z-]+\s+){0,3}", re.I)
SUMMIT = re.compile(r"summit|conference")
EVENT = re.compile(r"\s+(?:the|a|an|this|that)\s+(?:[\w-]+\s+){0,3}?(?:summit|conference|meeting|talks|ceremony|funeral|inauguration)\b", re.I)
PARTICIPLE = re.compile(r",\s+[a-z]+ing\s+(?:up\s+)?(?:a|an|the|his|her|their|its)\s+(?:[\w-]+\s+){0,2}$")
FIRST_TO = re.compile(r"\b(?:first|second|third|last|only|latest)\s+(?:[\w-]+\s+){0,4}?to $")
QUOTES = ('"', "“", "”")
COMPLETED = re.compile(r"\b(?:conclud\w*|complet\w*|end(?:s|ed|ing)|wrap\w* up|cut short)\s+(?:a|an|the|his|her|their|its)\s+(?:[\w-]+\s+){0,3}$")
DIGIT_NEXT = re.compile(r"\W{0,2}\d")
SINCE = re.compile(r"\bsince\b", re.I)
SINCE_BEFORE = re.compile(r"\bsince\s+(?:the\s+)?$", re.I)
YEAR_BEFORE = re.compile(r"\b((?:19|20)\d\d)\s+(?:[\w-]+\s+)?$")
NORTH_SOUTH = re.compile(r"\b[Tt]he (North|South)\b(?! (?:Korea|Sudan|Africa|America|Pole|Sea|Atlantic|Pacific|Caucasus))")
POSSESSIVE_BEFORE = re.compile(r"(?:'s|’s|s')\s+(?:[\w-]+\s+){0,3}$", re.I)
ORIGIN = re.compile(r"[^,;.]{0,30}?\bfrom(?=\s)")
WINDOW = 90  # characters after a visit word searched for its destination or visitor


@dataclass(frozen=True)
class Visit:
    visitor: str
    host: str
    when: dt.date | None
    precision: str  # day | week | month | year | article
    status: str  # occurred | planned | cancelled
    explicit: bool
    visitor_name: str | None
    host_name: str | None
    sentence: str
    confidence: float
    date_expression: str | None


@dataclass(frozen=True)
class _Trigger:
    start: int
    end: int
    kind: str


@cache
def _lexicon() -> tuple[re.Pattern[str], dict[str, str]]:
    """Visit words (matched on lower-cased text) and their kinds."""
    kinds: dict[str, str] = {}
    for row in read_tsv(REFERENCE / "visit_lexicon.tsv"):
        for phrase in row["pattern"].split("|"):
            kinds.setdefault(phrase.lower(), row["kind"])
    return re.compile(rf"\b{_trie(list(kinds))}\b"), kinds


@cache
def _cues() -> tuple[re.Pattern[str], dict[str, str]]:
    """Status cue words (matched on lower-cased text) and the status each sets."""
    statuses = {r["cue"].lower(): r["status"] for r in read_tsv(REFERENCE / "status_cues.tsv")}
    words = [c for c in statuses if c[0].isalnum()]
    clitics = [c for c in statuses if not c[0].isalnum()]  # "'ll" follows a word
    alternation = rf"(?<![\w']){_trie(words)}" + (f"|{_trie(clitics)}" if clitics else "")
    return re.compile(rf"(?:{alternation})\b"), statuses


@cache
def _title_words() -> str:
    """The titles of ``official_titles.tsv`` as a regex alternation, longest first."""
    words = {t for row in read_tsv(REFERENCE / "official_titles.tsv") for t in row["title"].split("|")}
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _titles() -> re.Pattern[str]:
    """A title after a country word: "('s) Deputy Foreign Minister"."""
    return re.compile(rf"^(?:[\s'’s-]|\b[A-Za-z-]+\s){{0,4}}?(?:{_title_words()})\b", re.I)


@cache
def _title_name() -> re.Pattern[str]:
    """A title before a word (matched on lower-cased text): "president xi", "ministers"."""
    return re.compile(rf"\b(?:{_title_words()})s?,?[ \t]+")


@cache
def _apposed_title() -> re.Pattern[str]:
    """A name, then a country and a title: "Lee Do-hoon, South Korea's special representative"."""
    return re.compile(
        rf"[A-Z][\w'’-]+,[ \t]+(?:the[ \t]+|a[ \t]+)?[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){{0,3}}[ \t]+"
        rf"(?:[\w-]+[ \t]+){{0,4}}?(?i:{_title_words()})\b"
    )


def _names_titled_person(sentence: str, lowered: str) -> bool:
    """Does a title come before a capitalised word ("President Xi", "MINISTER DIEGO"), or
    after a name and a country ("Lee Do-hoon, South Korea's special representative")?"""
    return any(sentence[m.end() : m.end() + 1].isupper() for m in _title_name().finditer(lowered)) or bool(
        _apposed_title().search(sentence)
    )


@cache
def _sent_official() -> re.Pattern[str]:
    """An official title anywhere in a text: who was sent ("a senior delegation", "its envoy")."""
    return re.compile(rf"\b(?:{_title_words()})s?\b", re.I)


@cache
def _title_before() -> re.Pattern[str]:
    """A title that ends a text: "... King "."""
    return re.compile(rf"\b(?:{_title_words()})\s+$", re.I)


def _trigger_text(sentence: str, trigger: _Trigger) -> str:
    """The visit word as written, lower-cased."""
    return sentence[trigger.start : trigger.end].lower()


def _triggers(sentence: str, lowered: str) -> list[_Trigger]:
    """Visit words of a sentence, with the kind that assigns their roles."""
    pattern, kinds = _lexicon()
    out = []
    for m in pattern.finditer(lowered):
        phrase = m.group(0)
        kind = kinds[phrase]
        if phrase in ("visit", "visits", "tour", "tours"):
            before = sentence[: m.start()].rstrip()
            prev = before.rsplit(None, 1)[-1].lower() if before else ""
            if before.endswith(("'s", "’s")) or prev in NOUN_BEFORE or re.search(r"-day$|^\d{4}$", prev):
                kind = "noun"
            elif prev in VERB_BEFORE:
                kind = "verb"
            elif phrase in ("visits", "tours") and before and before[-1].isalpha():
                kind = "verb" if before.rsplit(None, 1)[-1][:1].isupper() else "noun"
            else:
                kind = "noun"
        out.append(_Trigger(m.start(), m.end(), kind))
    return out


def _is_agent(sentence: str, a: ActorMention) -> bool:
    """Can this mention stand for a party that travels or hosts?"""
    if a.kind == "organisation" or a.country is None:
        return a.kind == "organisation"
    if a.kind == "city" or HYPHEN_MODIFIER.match(sentence, a.end):
        return False  # "a Tokyo-bound jet", "Moscow-based analysts": a modifier, not a party
    if a.kind == "demonym":
        return bool(_titles().match(sentence[a.end : a.end + 40]))
    if a.kind in ("capital", "seat", "country"):
        return not PREPOSITION_BEFORE.search(sentence[max(0, a.start - 12) : a.start])
    return True


HYPHEN_MODIFIER = re.compile(r"-[a-z]")
REPORTING = re.compile(r"\b(?:said|says|told|tells|announced|announces|revealed|reveals|confirmed|confirms|reported|added|stated|disclosed)\b")
LEAD_TO_PLACE = re.compile(r"^(?:\s*(?:[\w'-]+\s+){0,4}?(?:to|in|into|of|for|at)\s+|\s+)(?:the\s+|his\s+|her\s+|their\s+|neighbou?ring\s+|nearby\s+)*$", re.I)
INCLUDING = re.compile(
    r"\s*(?:[\w'-]+\s+){0,3}?(?:countries|nations|states|capitals|cities)\s*,?\s+(?:including|such as|among them)\s+(?:the\s+)?$", re.I
)
LIST_GAP = re.compile(r"\s*(?:,|and|,\s*and)\s*(?:the\s+)?|,\s*")


def _places_after(
    actors: list[ActorMention], sentence: str, pos: int, limit: int = WINDOW, skip: bool = False
) -> list[ActorMention]:
    """Destinations after ``pos``: the first place (after to/in/of/for, or right after a verb),
    and places listed with it ("Japan and South Korea"). With ``skip``, places that are not
    introduced by a preposition are passed over ("talks with Iran in Geneva")."""
    out: list[ActorMention] = []
    for a in actors:
        if a.start < pos or a.kind not in PLACE_KINDS or a.country is None:
            continue
        gap = sentence[pos if not out else out[-1].end : a.start]
        if not out:
            if a.start - pos > limit or CLAUSE_BREAK.search(gap):
                break
            if not LEAD_TO_PLACE.match(gap) and not INCLUDING.match(gap):
                if skip:
                    previous = max((b.end for b in actors if pos <= b.end <= a.start), default=pos)
                    if not IN_AT_BEFORE.fullmatch(sentence, previous, a.start):
                        continue  # "talks with Iran in Geneva": a name, then "in" the place
                else:
                    break
            out.append(a)
        elif LIST_GAP.fullmatch(gap):
            if a.country != out[-1].country or a.kind == "country":
                out.append(a)
        else:
            break
    # "Reykjavik, Iceland": a city followed by its own country is one place
    dedup: list[ActorMention] = []
    for a in out:
        if not dedup or dedup[-1].country != a.country:
            dedup.append(a)
    return dedup


def _place_modifier(actors: list[ActorMention], sentence: str, trigger: _Trigger) -> list[ActorMention]:
    """A city naming the visit or meeting it stands before: "the Geneva summit", "his Moscow
    talks". A country there names the other party, not the venue: "tense China talks"."""
    for a in actors:
        if a.end <= trigger.start and a.kind in PLACE_KINDS - {"country"} and a.country and not sentence[a.end : trigger.start].strip():
            return [a]
    return []


def _referent(actors: list[ActorMention], sentence: str, pos: int, last_person: ActorMention | None) -> ActorMention | None:
    """Who the first pronoun before ``pos`` stands for: the first person named before it in
    the sentence, else the last person named before it in the article."""
    m = PRONOUN.search(sentence, 0, pos)
    limit = m.start() if m else pos
    for a in actors:
        if a.start >= limit:
            break
        if a.kind == "person":
            return a
    return last_person


def _subject(sentence: str, actors: list[ActorMention]) -> ActorMention | None:
    """The person a sentence is about, whom a later pronoun refers to: the first person it
    names, unless a pronoun comes first (then the sentence goes on about an earlier one)."""
    person = next((a for a in actors if a.kind == "person"), None)
    if person is None or PRONOUN.search(sentence, 0, person.start):
        return None
    return person


def _agent_before(
    actors: list[ActorMention], sentence: str, pos: int, exclude: set[str], last_person: ActorMention | None = None
) -> ActorMention | None:
    """The subject of the visit word: the nearest agent before ``pos`` in the same clause,
    or what a pronoun between them ("..., as he wrapped up a visit") refers to."""
    for a in reversed([a for a in actors if a.end <= pos]):
        if CLAUSE_BREAK.search(sentence[a.end : pos]) and a.kind != "person":
            break
        if _is_agent(sentence, a) and (a.country not in exclude or a.kind == "organisation"):
            if PRONOUN.search(sentence, a.end, pos):
                referent = _referent(actors, sentence, pos, last_person)
                if referent is not None and referent.country not in exclude:
                    return referent
            return a
    if PRONOUN.search(sentence, 0, pos) and last_person is not None and last_person.country not in exclude:
        return last_person
    return None


def _coordinated(agents: list[ActorMention], sentence: str, subject: ActorMention, exclude: set[str]) -> list[ActorMention]:
    """The subject and the agents joined to it by "and" or a comma: "Bolivian President X and
    Peruvian President Y will attend"; a demonym and title before a name are one agent."""
    out, cursor = [subject], subject.start
    for a in reversed([a for a in agents if a.end <= subject.start]):
        gap = sentence[a.end : cursor]
        if a.country == out[-1].country and NOUN_PHRASE_GAP.fullmatch(gap):
            cursor = a.start
        elif COORDINATION_GAP.fullmatch(gap) and a.country not in exclude and (a.kind != "demonym" or _is_agent(sentence, a)):
            out.append(a)
            cursor = a.start
        else:
            break
    return out


def _agent_after(actors: list[ActorMention], sentence: str, pos: int, exclude: set[str], limit: int = WINDOW) -> ActorMention | None:
    for a in actors:
        if a.start < pos:
            continue
        if a.start - pos > limit or CLAUSE_BREAK.search(sentence[pos : a.start]):
            return None
        if _is_agent(sentence, a) and (a.country not in exclude or a.kind == "organisation"):
            return a
    return None


def _by_agent(actors: list[ActorMention], sentence: str, trigger: _Trigger, exclude: set[str]) -> ActorMention | None:
    m = BY.search(sentence, trigger.end, trigger.end + WINDOW)
    if not m:
        return None
    return _agent_after(actors, sentence, m.end(), exclude, limit=60)


def _possessor(actors: list[ActorMention], sentence: str, trigger: _Trigger) -> ActorMention | None:
    """"Russia's visit", "Putin's state visit", "the Chinese leader's trip"."""
    m = POSSESSIVE_BEFORE.search(sentence, 0, trigger.start)
    if not m:
        return None
    for a in reversed(actors):
        if a.end <= m.start() and m.start() - a.end <= 40:
            if a.kind == "demonym" or _is_agent(sentence, a):
                return a
            return None
    return None


def _date_for(
    mentions: list[temporal.TemporalMention], sentence: str, trigger: _Trigger, triggers: list[_Trigger]
) -> temporal.TemporalMention | None:
    """The temporal expression nearest the visit word, preferring its own clause and not
    reaching past another visit word; dates of a "since" phrase are not the visit's."""
    opening = OPENING_SUBORDINATE.match(sentence)
    clause_end = opening.end() if opening and trigger.end <= opening.end() else None
    best, best_cost = None, None
    for m in mentions:
        if clause_end is not None and m.start > clause_end:
            continue  # "After the minister left Lima, ... in 2019": the main clause's date
        if SINCE_BEFORE.search(sentence, max(0, m.start - 8), m.start):
            continue
        if m.end <= trigger.start:
            gap, distance = sentence[m.end : trigger.start], trigger.start - m.end
            crossed = any(m.end <= t.start and t.end <= trigger.start for t in triggers)
        else:
            gap, distance = sentence[trigger.end : m.start], max(0, m.start - trigger.end)
            crossed = any(trigger.end <= t.start and t.end <= m.start for t in triggers) or bool(SINCE.search(gap))
        if crossed:
            continue
        cost = distance + (150 if CLAUSE_BREAK.search(gap) else 0)
        if m.end <= trigger.start and REPORTING.search(sentence, max(0, m.start - 20), trigger.start):
            cost += 120  # "revealed tonight he plans to visit ... in November": the date of the telling
        if best_cost is None or cost < best_cost:
            best, best_cost = m, cost
    return best


def _year_before(sentence: str, trigger: _Trigger, reference: dt.date | None) -> temporal.TemporalMention | None:
    """A year that modifies the visit noun: "a 2016 visit", "his 1985 trip"."""
    m = YEAR_BEFORE.search(sentence, max(0, trigger.start - 12), trigger.start)
    if not m or reference is None:
        return None
    return temporal.TemporalMention(m.start(1), m.end(1), m.group(1), temporal.Resolved(m.group(1), "year"))


def _status(sentence: str, lowered: str, trigger: _Trigger) -> str | None:
    """planned / cancelled / occurred from cue words near the visit word; None for no visit.
    A capitalised cue inside the sentence is a name, not a modal ("in May", "Theresa May").
    "The first minister to visit" is not a plan. The cues of a verb or meeting lie in its
    clause ("visited ... when X was proposed", "left A for B and is due back"); those of an
    opening clause ("During his visit, X will ...") end at its comma."""
    pattern, statuses = _cues()
    start, end = max(0, trigger.start - 80), trigger.end + 40
    if trigger.kind in ("verb", "depart", "meet"):
        start = max([m.end() for m in CUE_BREAK.finditer(lowered, start, trigger.start)], default=start)
        stops = [p.search(sentence, trigger.end, end) for p in (CLAUSE_BREAK, AND, COMMA)]
        end = min([m.start() for m in stops if m], default=end)
    elif trigger.kind == "noun" and COMPLETED.search(lowered, max(0, trigger.start - 40), trigger.start):
        end = trigger.end  # "upon concluding his visit to X, he will ...": the visit is under way
    elif trigger.kind == "noun" and OPENING_NOUN.match(sentence, 0, trigger.start):
        comma = sentence.find(",", trigger.end, end)
        end = comma if comma >= 0 else end
    first = FIRST_TO.search(lowered, max(0, trigger.start - 60), trigger.start)
    found = {
        statuses[m.group(0)]
        for m in pattern.finditer(lowered, start, end)
        if not (m.start() > 0 and sentence[m.start()].isupper() and not sentence.isupper())
        and not (first and m.start() == first.end() - 3)
        and not _quoted_apart(sentence, m.start(), trigger.start)
    }
    if "none" in found:
        return None
    if "cancelled" in found:
        return "cancelled"
    if "planned" in found:
        return "planned"
    return "occurred"


def _quoted_apart(sentence: str, a: int, b: int) -> bool:
    """True when a quotation mark opens or closes between two positions: one is quoted, the other not."""
    lo, hi = min(a, b), max(a, b)
    return sum(sentence.count(q, lo, hi) for q in QUOTES) % 2 == 1


def _settle_status(status: str, when: dt.date | None, precision: str, reference: dt.date | None) -> str:
    """Dates beat tense: a visit dated after publication is planned, one before it happened."""
    if status == "cancelled" or when is None or reference is None or precision in ("article",):
        return status
    if precision == "day":
        return "planned" if when > reference else "occurred"
    if precision == "week":
        return "planned" if when > reference else ("occurred" if when + dt.timedelta(days=6) < reference else status)
    if precision == "month":
        month_ref = reference.replace(day=1)
        return "planned" if when > month_ref else ("occurred" if when < month_ref else status)
    if precision == "year":
        return "planned" if when.year > reference.year else ("occurred" if when.year < reference.year else status)
    return status


def _north_south(sentence: str, article_countries: dict[str, str]) -> list[ActorMention]:
    """"the North" for North Korea (etc.) when the article names exactly one such country."""
    if not article_countries:
        return []
    out = []
    for m in NORTH_SOUTH.finditer(sentence):
        code = article_countries.get(m.group(1))
        if code:
            out.append(ActorMention(m.start(), m.end(), m.group(0), "country", code, m.group(0), None, True))
    return out


def _article_north_south(gazetteer: Gazetteer, actors_by_sentence: list[list[ActorMention]]) -> dict[str, str]:
    found: dict[str, set[str]] = {"North": set(), "South": set()}
    for actors in actors_by_sentence:
        for a in actors:
            name = gazetteer.country_name(a.country) if a.country and gazetteer.is_country(a.country) else ""
            for side in found:
                if name.startswith(side + " "):
                    found[side].add(a.country)
    return {side: next(iter(codes)) for side, codes in found.items() if len(codes) == 1}


PARTICLE = re.compile(r"^(?:AL|EL)-")
NAME_TOKEN = r"(?:(?:al|el|bin|ibn|de|van|von|da|di|du|le)[- ])?[A-Z][\w'’.-]*"
NAME = re.compile(rf"[ \t]+((?:{NAME_TOKEN}[ \t]+){{0,3}}{NAME_TOKEN})")
NAME_OF = re.compile(r"\b([A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+){0,2})[ \t]+of[ \t]+(?:the[ \t]+)?$")
NAME_AFTER = re.compile(rf",[ \t]+((?:{NAME_TOKEN}[ \t]+){{1,3}}{NAME_TOKEN})(?=,)")  # "Mongolia's official, Gundegma Jargalshaihan,"
NAME_APPOSED = re.compile(r"(?:^|[^\w'’.-])([A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+){0,3}),[ \t]+(?:the[ \t]+|a[ \t]+)?$")
MONTH_WORDS = frozenset("january february march april may june july august september october november december".split())
CALENDAR_WORDS = MONTH_WORDS | frozenset("monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow".split())
CAPITALS_NOT_NAMES = CALENDAR_WORDS | frozenset(
    "the a an and or of in on at to for from with by as who which that this he she it they his her their said says "
    "told added met meets meeting will would has had have was were is are be been also visit visited visiting "
    "arrived left talks".split()
)


def _name_tokens(name: str, capitals: bool) -> list[str]:
    """The tokens of a name after a title, cut at a date word, after a possessive, and in
    all-capitals text (no case to tell names from words) at common words."""
    stop = CAPITALS_NOT_NAMES if capitals else CALENDAR_WORDS
    out = []
    for token in name.split():
        stem = re.sub(r"(?:'s|’s|['’.,])$", "", token, flags=re.I)
        if stem.lower() in stop or (capitals and len(out) == 3):
            break
        out.append(stem)
        if stem != token:
            break
    return out if len(out) > 1 or not capitals else []


def _introduced(sentence: str, actors: list[ActorMention]) -> list[ActorMention]:
    """People the gazetteer does not know, placed by how the text introduces them:
    "Kenyan Trade Minister Jane Wambui", "Russia's envoy Ivan Petrov", "King Harald of
    Norway"."""
    capitals = sentence.isupper()
    covered = [(a.start, a.end) for a in actors]
    out = []
    for a in actors:
        if a.country is None or a.kind not in ("demonym", "country", "capital", "seat"):
            continue
        possessive = sentence.startswith(("'s", "’s"), a.end)
        modifier = a.kind == "demonym" or possessive or (a.kind in ("country", "seat") and _is_agent(sentence, a))
        title = _titles().match(sentence[a.end : a.end + 40]) if modifier else None
        if title and not NAME.match(sentence, a.end + title.end()):
            # "Lee Do-hoon, South Korea's special representative": the name stands before the title
            m = NAME_AFTER.match(sentence, a.end + title.end()) or NAME_APPOSED.search(sentence, max(0, a.start - 60), a.start)
            tokens = _name_tokens(m.group(1), capitals) if m else []
            start = m.start(1) if m else 0
        elif title:
            m = NAME.match(sentence, a.end + title.end())
            tokens = _name_tokens(m.group(1), capitals) if m else []
            start = m.start(1) if m else 0
        elif sentence.endswith("of ", 0, a.start) or sentence.endswith("of the ", 0, a.start):
            m = NAME_OF.search(sentence, max(0, a.start - 50), a.start)
            before = sentence[max(0, m.start() - 40) : m.start()] if m else ""
            tokens = _name_tokens(m.group(1), capitals) if m and _title_before().search(before) else []
            start = m.start(1) if m else 0
        else:
            continue
        if not tokens or any(s <= start < e for s, e in covered):
            continue
        name = " ".join(tokens)
        end = start + len(name)
        if sentence[start:end] != name:
            continue
        out.append(ActorMention(start, end, name, "person", a.country, name.title() if capitals else name, None, True))
    return out


def _with_introduced(sentence: str, found: list[ActorMention]) -> list[ActorMention]:
    """The gazetteer's mentions of a sentence and the people it introduces, in order."""
    introduced = _introduced(sentence, found)
    if not introduced:
        return found
    # a name the gazetteer matched inside an introduced person's name is that person ("Vargas" in "Edmundo Vargas Carreno")
    inside = [a for a in found if a.kind == "person" and any(p.start <= a.start and a.end <= p.end for p in introduced)]
    return sorted([a for a in found if a not in inside] + introduced, key=lambda a: a.start)


def _memory(actors_by_sentence: list[list[ActorMention]]) -> dict[str, ActorMention | None]:
    """Surnames (upper case) of the people an article names in full -> the person; None
    where two people of different countries share one."""
    known: dict[str, ActorMention | None] = {}
    for actors in actors_by_sentence:
        for a in actors:
            if a.kind != "person" or " " not in a.text.strip():
                continue
            surname = a.text.split()[-1].rstrip("'’s").upper()
            for key in {surname, PARTICLE.sub("", surname)}:  # "al-Rashid" ... "Rashid"
                if len(key) > 2:
                    other = known.setdefault(key, a)
                    if other is not None and other.country != a.country:
                        known[key] = None
    return known


def _surnames(sentence: str, actors: list[ActorMention], known: dict[str, ActorMention | None]) -> list[ActorMention]:
    """Later mentions of a person by surname alone ("Angela Merkel" ... "Merkel", "Mr
    Blair", "MENEM'S"); a month name is not a surname when a date or preposition is next to it."""
    upper = sentence.upper()
    if not any(person is not None and key in upper for key, person in known.items()):
        return []
    out = []
    for m in SURNAME.finditer(sentence):
        token = m.group(1)
        person = known.get(token.upper())
        if person is None or any(a.start <= m.start() < a.end for a in actors):
            continue
        if token.lower() in MONTH_WORDS and (
            DIGIT_NEXT.match(sentence, m.end()) or PREPOSITION_BEFORE.search(sentence[max(0, m.start() - 12) : m.start()])
        ):
            continue
        out.append(replace(person, start=m.start(), end=m.end(1), text=token))
    return out


@dataclass
class Analysis:
    """What the candidate stage reads of an article: its sentences, the actors of each
    (gazetteer mentions, people introduced by title, later surnames), the visit words,
    the dateline, who each sentence goes on about, and the visits these rules propose."""

    parts: list[str]
    actors: list[list[ActorMention]]  # per sentence, sorted by offset
    triggers: list[list[_Trigger]]  # per sentence: visit words and their kinds
    dates: list[list[temporal.TemporalMention]]  # per sentence with a visit word
    last_person: list[ActorMention | None]  # per sentence: the person the text was about before it
    venue: list[str | None]  # per sentence: the last summit's place before it
    dateline_place: str | None
    dateline_country: str | None
    proposals: list[Visit]  # what the rules propose, one per sentence mention (not merged)
    topic: ActorMention | None = None  # the person the article names most often (first named on a tie)


def _dates(sentence: str, reference_date: dt.date | None) -> list[temporal.TemporalMention]:
    """Temporal expressions of a sentence; with no publication date only those that name
    their year themselves ("in May 2014"), resolved without a reference."""
    if reference_date is not None:
        return temporal.find(sentence, reference_date)
    return [m for m in temporal.find(sentence, UNDATED_REFERENCE) if YEAR_IN.search(m.text)]


LOCATED = re.compile(r"\b(?:in|at|IN|AT)\s+(?:the\s+|THE\s+)?[A-Z]")
IN_AT = re.compile(r"\b(?:in|at)\s+(?:the\s+)?$", re.I)


def _located(sentence: str, actors: list[ActorMention]) -> list[_Trigger]:
    """"in Tokyo", "at Camp David": a place someone is said to be at, as a visit word of kind ``place``."""
    out = []
    for a in actors:
        if a.kind in PLACE_KINDS and a.country is not None:
            m = IN_AT.search(sentence, max(0, a.start - 8), a.start)
            if m:
                out.append(_Trigger(m.start(), a.start, "place"))
    return out


MAX_SENTENCE_CHARS = 1_000  # longer run-on sentences are read in pieces: bounded work per sentence
UNDATED_REFERENCE = dt.date(2000, 1, 1)  # any date: only expressions that carry their year are kept
YEAR_IN = re.compile(r"\b(?:1[6-9]|20)\d\d\b")


def analyse(text: str, reference_date: dt.date | None) -> Analysis | None:
    """The actors, visit words and rule proposals of an article; None without a visit word."""
    gazetteer = Gazetteer.default()
    parts = [piece for p in sentences.split(text) for piece in sentences.bounded(p, MAX_SENTENCE_CHARS)]
    if not parts:
        return None
    pattern, _ = _lexicon()
    lowered = [p.lower() for p in parts]
    with_trigger = [i for i, s in enumerate(lowered) if pattern.search(s)]
    if not with_trigger:
        return None
    # in an article that speaks of travel, a sentence placing someone "in" or "at" a place may state a visit
    with_trigger = sorted(set(with_trigger) | {i for i, s in enumerate(parts) if LOCATED.search(s)})
    has_trigger = set(with_trigger)
    # sentences after the last visit word cannot name a visit's actors
    parts, lowered = parts[: with_trigger[-1] + 1], lowered[: with_trigger[-1] + 1]
    place, offset = sentences.dateline(parts[0])
    dateline_country = None
    if place:
        found = gazetteer.find(place, on=reference_date)
        dateline_country = found[0].country if found and found[0].kind in PLACE_KINDS else None
    if place:
        parts[0], lowered[0] = parts[0][offset:], lowered[0][offset:]
    # other sentences are read for the people they name with a title ("President X Y")
    found_by_sentence = [
        _with_introduced(p, gazetteer.find(p, on=reference_date)) if i in has_trigger or _names_titled_person(p, lowered[i]) else []
        for i, p in enumerate(parts)
    ]
    north_south = _article_north_south(gazetteer, found_by_sentence)
    known = _memory(found_by_sentence)
    raw: list[Visit] = []
    last_person: ActorMention | None = None
    venue: str | None = None
    out = Analysis(parts, [], [], [], [], [], place, dateline_country, raw)
    for i, sentence in enumerate(parts):
        found = found_by_sentence[i]
        extra = _north_south(sentence, north_south) + _surnames(sentence, found, known)
        actors = sorted(found + extra, key=lambda a: a.start) if extra else found
        triggers = _triggers(sentence, lowered[i]) + _located(sentence, actors) if i in has_trigger else []
        dates = _dates(sentence, reference_date) if triggers else []
        out.actors.append(actors)
        out.triggers.append(triggers)
        out.dates.append(dates)
        out.last_person.append(last_person)
        out.venue.append(venue)
        if triggers:
            destinations = {t: _places_after(actors, sentence, t.end) for t in triggers}
            taken = {id(h) for t in triggers if t.kind in ("noun", "verb") for h in destinations[t]}
            placed = [t for t in triggers if destinations[t]]
            agents = [a for a in actors if id(a) not in taken]
            context = _Context(sentence, lowered[i], actors, agents, dates, placed, venue, reference_date, dateline_country, last_person)
            for trigger in triggers:
                raw.extend(_visits_for(trigger, context))
            venue = next((h.country for t in triggers if t.kind == "meet" and SUMMIT.search(lowered[i], t.start, t.end)
                          for h in _places_after(actors, sentence, t.end, limit=60, skip=True) + _place_before(actors, sentence, t)),
                         venue)
        last_person = _subject(sentence, actors) or last_person
    out.topic = _topic(out.actors)
    return out


PLACE_BEFORE_GAP = re.compile(r"^(?:['’]s)?\s+(?:[a-z-]+\s+)?$")


def _place_before(actors: list[ActorMention], sentence: str, trigger: _Trigger) -> list[ActorMention]:
    """The place named just before a summit word: "the Venice economic summit", "Brussels talks"."""
    return [a for a in actors if a.kind in ("city", "capital") and a.end <= trigger.start
            and PLACE_BEFORE_GAP.match(sentence[a.end : trigger.start])][-1:]


def _topic(actors_by_sentence: list[list[ActorMention]]) -> ActorMention | None:
    """The person an article names most often, the first named on a tie."""
    counts: dict[str, int] = {}
    first: dict[str, ActorMention] = {}
    for actors in actors_by_sentence:
        for a in actors:
            if a.kind == "person" and a.country:
                key = a.name or a.text
                counts[key] = counts.get(key, 0) + 1
                first.setdefault(key, a)
    if not counts:
        return None
    return first[max(counts, key=lambda k: counts[k])]  # max keeps the first of equal counts, in order met


@dataclass(frozen=True)
class _Context:
    """What the roles of a sentence's visit words are chosen from."""

    sentence: str
    lowered: str
    actors: list[ActorMention]  # every mention, sorted
    agents: list[ActorMention]  # mentions that may travel or host (destinations of visit words left out)
    dates: list[temporal.TemporalMention]
    triggers: list[_Trigger]  # visit words followed by a destination
    venue: str | None  # where the article's last summit or conference with a place was held
    reference: dt.date | None
    dateline_country: str | None
    last_person: ActorMention | None


def _roles(trigger: _Trigger, c: _Context) -> list[tuple[ActorMention | None, ActorMention | None, bool]]:
    """(visitor, host, explicit) for one visit word."""
    sentence, actors, agents = c.sentence, c.actors, c.agents
    kind = trigger.kind
    if kind in ("noun", "verb"):
        hosts = _places_after(actors, sentence, trigger.end)
        if not hosts and kind == "noun":
            hosts = _place_modifier(actors, sentence, trigger)
        exclude = {h.country for h in hosts}
        visitor = None
        if kind == "noun" and OPENING_NOUN.match(sentence, 0, trigger.start):
            after = hosts[-1].end if hosts else trigger.end
            visitor = _agent_after(agents, sentence, after, exclude, limit=60)  # "During his visit to X, the Y minister ..."
        if kind == "noun" and visitor is None:
            visitor = _by_agent(agents, sentence, trigger, exclude) or _possessor(agents, sentence, trigger)
            if visitor is None and PARTICIPLE.search(sentence, max(0, trigger.start - 40), trigger.start):
                # "X lauded ... , ending a visit": the sentence's subject
                visitor = next((a for a in agents if a.start < trigger.start and _is_agent(sentence, a) and a.country not in exclude), None)
            if visitor is None and PRONOUN_POSSESSIVE.search(sentence, max(0, trigger.start - 30), trigger.start):
                visitor = _referent(agents, sentence, trigger.start, c.last_person)
            elif visitor is None and POSSESSIVE_BEFORE.search(sentence, 0, trigger.start):
                return []  # "Kovac's trip": the visitor is named, but not someone we can place
            elif visitor is None and BY_NAME.match(sentence, hosts[-1].end if hosts else trigger.end, trigger.end + WINDOW):
                return []  # "a visit to X by Tibet's spiritual leader": named, but not placed
        if visitor is None and kind == "verb" and OPENING_CLAUSE.match(sentence, 0, trigger.start):
            after = hosts[-1].end if hosts else trigger.end
            visitor = _agent_after(agents, sentence, after, exclude, limit=60)  # "Before visiting X, Blair ..."
        subject = visitor is None
        visitor = visitor or _agent_before(agents, sentence, trigger.start, exclude, c.last_person)
        if not hosts and kind == "verb" and _trigger_text(sentence, trigger).startswith("attend") and EVENT.match(sentence, trigger.end):
            venue = c.venue or c.dateline_country  # "will also attend the summit"
            hosts = [ActorMention(trigger.end, trigger.end, "", "country", venue, None, None, True)] if venue else []
        if not hosts and visitor is not None and kind == "noun":
            before = [a for a in actors if a.end <= trigger.start and a.kind in PLACE_KINDS and a.country != visitor.country]
            if BY.search(sentence, trigger.end, trigger.end + 4) and before:
                hosts = [before[-1]]  # "shook Costa Rica during a visit by ..."
            elif c.dateline_country:
                hosts = [ActorMention(0, 0, "", "country", c.dateline_country, None, None, True)]
        visitors = _coordinated(agents, sentence, visitor, exclude) if subject and kind == "verb" and visitor else [visitor]
        pairs = [(v, h, True) for v in visitors for h in hosts]
        m = ORIGIN.match(sentence, hosts[-1].end) if kind == "verb" and hosts else None
        if m:  # "arrived in Beijing on Wednesday from South Korea": X had been in South Korea
            pairs += [(visitor, h, True) for h in _places_after(actors, sentence, m.end(), limit=10)[:1]]
        return pairs
    if kind == "accompany":  # "X accompanied Y to B"
        hosts = _places_after(actors, sentence, trigger.end, limit=60)
        if not hosts:
            return []
        companion = _agent_after(agents, sentence, trigger.end, {hosts[0].country}, limit=hosts[0].start - trigger.end)
        visitor = _agent_before(agents, sentence, trigger.start, set(), c.last_person)
        return [(v, h, True) for v in (visitor, companion) if v is not None for h in hosts]
    if kind == "depart":  # "X left A for B": X was in A and goes on to B
        origin = _places_after(actors, sentence, trigger.end, limit=20)[:1]
        visitor = _agent_before(agents, sentence, trigger.start, set(), c.last_person)
        pairs = [(visitor, h, True) for h in origin]
        m = FOR.search(sentence, origin[0].end if origin else trigger.end, trigger.end + WINDOW)
        if m:
            pairs += [(visitor, h, True) for h in _places_after(actors, sentence, m.end(), limit=40)]
        return pairs
    if kind == "host":
        host = _agent_before(agents, sentence, trigger.start, set())
        if host is not None:
            guest = _agent_after(agents, sentence, trigger.end, {host.country}, limit=50)
            if guest is None:
                return []
            if guest.kind != "person" and not _titles().match(sentence[guest.end : guest.end + 40]):
                return []  # "Lisbon welcomed Madrid's decision", "welcomed the restraint Madrid showed"
            return [(guest, host, True)]
        guest = _agent_after(agents, sentence, trigger.end, set(), limit=50)
        if guest is None:
            return []
        named = [a.end for a in actors if a.country == guest.country and guest.start <= a.start <= guest.end + 40]
        venue = _places_after(actors, sentence, max(named, default=guest.end), limit=40)[:1]
        return [(guest, h, True) for h in venue]  # "hosting the chancellor at his country estate"
    if kind == "meet":
        hosts = _places_after(actors, sentence, trigger.end, limit=60, skip=True) or _place_modifier(actors, sentence, trigger)
        if not hosts:
            return _dateline_meeting(trigger, c)
        host = hosts[0]
        pairs, seen = [], set()
        people = [a for a in actors if a.kind == "person" and a.start < host.start]
        referent = _referent(actors, sentence, trigger.start, c.last_person)
        if PRONOUN.search(sentence, 0, trigger.start) and referent is not None:
            people.append(referent)
        candidates = people or [a for a in agents if a.start < host.start]
        for a in candidates:
            if a.country in (None, host.country) or a.country in seen:
                continue
            if a.kind in ("person", "country") or (a.kind == "demonym" and _is_agent(sentence, a)):
                seen.add(a.country)
                pairs.append((a, host, True))
        return pairs
    if kind == "send":
        sender = _agent_before(agents, sentence, trigger.start, set())
        if sender is None:
            return []
        hosts = [h for h in _places_after(actors, sentence, trigger.end) if h.country != sender.country]
        if hosts:
            sent = sentence[trigger.end : hosts[0].start]
            people = [a for a in actors if a.kind == "person" and trigger.end <= a.start < hosts[0].start]
            if not people and not _sent_official().search(sent):
                return []  # "sending oil to ...", "sending people into shelters": goods or crowds, no envoy
            return [(sender, hosts[0], True)]
        if TO_MEET.search(sentence, trigger.end, trigger.end + 80):
            counterpart = _agent_after(agents, sentence, trigger.end, {sender.country}, limit=120)
            if counterpart is not None and counterpart.kind == "person":
                return [(sender, counterpart, False)]
    return []


def _dateline_meeting(trigger: _Trigger, c: _Context) -> list[tuple[ActorMention | None, ActorMention | None, bool]]:
    """A meeting the sentence places nowhere is held where the article is datelined: the
    countries a summit "brought together" visit it, and so does a foreign leader meeting one
    of the dateline country's own."""
    if c.dateline_country is None or any(
        a.kind in PLACE_KINDS and IN_AT_BEFORE.search(c.sentence, max(0, a.start - 8), a.start) for a in c.actors
    ):
        return []
    host = ActorMention(0, 0, "", "country", c.dateline_country, None, None, True)
    m = PARTICIPANTS.search(c.sentence, trigger.end, trigger.end + 80)
    if m:
        guests = [a for a in c.agents if a.start >= m.end() and a.kind in ("country", "person", "demonym")]
    else:  # "X met (with) Y", "his talks with Y"
        w = WITH.match(c.sentence, trigger.end)
        other = _agent_after(c.agents, c.sentence, w.end(), set(), limit=5) if w else None
        if other is None or other.kind != "person":
            return []
        subject = _agent_before(c.agents, c.sentence, trigger.start, {other.country}, c.last_person)
        if subject is None or subject.kind != "person" or host.country not in (subject.country, other.country):
            return []
        guests = [subject, other]
    pairs, seen = [], {host.country}
    for a in guests:
        if a.country not in seen and (a.kind != "demonym" or _is_agent(c.sentence, a)):
            seen.add(a.country)
            pairs.append((a, host, True))
    return pairs


def _visits_for(trigger: _Trigger, c: _Context) -> list[Visit]:
    status = _status(c.sentence, c.lowered, trigger)
    if status is None:
        return []
    pairs = _roles(trigger, c)
    if not pairs:
        return []
    date = _year_before(c.sentence, trigger, c.reference) or _date_for(c.dates, c.sentence, trigger, c.triggers)
    if date is not None:
        when, precision, expression = date.resolved.start, date.resolved.precision, date.text
    else:
        when, precision, expression = c.reference, "article", None
    settled = _settle_status(status, when, precision, c.reference)
    out = []
    for visitor, host, explicit in pairs:
        if visitor is None or host is None or visitor.kind == "organisation" or host.country is None:
            continue
        if visitor.country is None or visitor.country == host.country:
            continue
        confidence = 0.9 if trigger.kind in ("noun", "verb") and explicit else 0.7 if explicit else 0.5
        out.append(
            Visit(
                visitor=visitor.country,
                host=host.country,
                when=when,
                precision=precision,
                status=settled,
                explicit=explicit,
                visitor_name=visitor.name if visitor.kind == "person" else visitor.text or None,
                host_name=host.text or None,
                sentence=c.sentence,
                confidence=confidence,
                date_expression=expression,
            )
        )
    return out


PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "article": 4}


def _compatible(a: Visit, b: Visit, reference: dt.date | None) -> bool:
    if a.when is None or b.when is None:
        return True
    if "article" in (a.precision, b.precision):
        dated = b if a.precision == "article" else a
        return dated.precision == "article" or reference is None or abs((dated.when - reference).days) <= 31
    if "year" in (a.precision, b.precision):
        return a.when.year == b.when.year
    return (a.when.year, a.when.month) == (b.when.year, b.when.month)


def merge(raw: list[Visit], reference: dt.date | None) -> list[Visit]:
    """One visit per real visit: mentions of one pair and status with compatible dates merge."""
    merged: list[Visit] = []
    for v in raw:
        for i, m in enumerate(merged):
            same_class = (m.status == "occurred") == (v.status == "occurred")
            if m.visitor == v.visitor and m.host == v.host and same_class and _compatible(m, v, reference):
                better = v if PRECISION_RANK[v.precision] < PRECISION_RANK[m.precision] else m
                merged[i] = replace(
                    better,
                    explicit=m.explicit or v.explicit,
                    confidence=max(m.confidence, v.confidence),
                    visitor_name=m.visitor_name or v.visitor_name,
                )
                break
        else:
            merged.append(v)
    return merged
