"""Diplomatic visits from article text: who (country A) went to whom (country B), when, and
whether it happened, is planned or was called off (see ``../shared/eval/VISITS.md``).

Per sentence that holds a visit word (``reference/visit_lexicon.tsv``):

1. actors and places come from the gazetteer (countries, demonyms, capitals, seats of
   government, cities, office-holders on the article's date, organisations);
2. the visit word's kind assigns the roles: ``noun`` ("a visit to Y by X", "X's visit to
   Y"), ``verb`` ("X visited Y", "X arrived in Y"), ``host`` ("Y welcomed X"), ``meet``
   ("met in Y", "summit in Y": everyone named who is not from Y visits Y), ``send`` ("X sent
   Z to Y") and ``depart`` ("X left A for B"); a pronoun ("as he wrapped up a visit", "her
   visit") stands for the sentence's first person, else the article's last one, and a
   surname alone for the person named in full earlier;
3. the date is the temporal expression nearest the visit word in its clause, resolved
   against the publication date (none: the publication date, precision ``article``);
4. the status comes from cue words (``reference/status_cues.tsv``) and the date: a visit
   dated after publication is planned, one dated before it occurred; hypothetical,
   refused and merely offered visits are dropped.

Mentions of the same visit in several sentences of one article are merged into one.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from tasks.extract import sentences, temporal
from tasks.extract.gazetteer import ActorMention, Gazetteer
from tasks.refdata import read_tsv

EXTRACTOR_VERSION = "visits/0.2"
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
CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]+\b")
BY = re.compile(r"\bby\s+")
FOR = re.compile(r"\bfor\s+")
TO_MEET = re.compile(r"\bto meet\b")
SINCE_BEFORE = re.compile(r"\bsince\s+(?:the\s+)?$", re.I)
YEAR_BEFORE = re.compile(r"\b((?:19|20)\d\d)\s+(?:[\w-]+\s+)?$")
NORTH_SOUTH = re.compile(r"\b[Tt]he (North|South)\b(?! (?:Korea|Sudan|Africa|America|Pole|Sea|Atlantic|Pacific|Caucasus))")
POSSESSIVE_BEFORE = re.compile(r"(?:'s|’s|s')\s+(?:[\w-]+\s+){0,3}$")
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


def _trie(words: list[str]) -> str:
    """Regex alternation of ``words`` factored by common prefixes (fast to scan with)."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(c) + build(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


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
def _titles() -> re.Pattern[str]:
    words = {t for row in read_tsv(REFERENCE / "official_titles.tsv") for t in row["title"].split("|")}
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^(?:[\s'’s-]|\b[A-Za-z-]+\s){{0,3}}?(?:{alternation})\b", re.I)


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
    if a.kind == "city":
        return False
    if a.kind == "demonym":
        return bool(_titles().match(sentence[a.end : a.end + 40]))
    if a.kind in ("capital", "seat", "country"):
        return not PREPOSITION_BEFORE.search(sentence[max(0, a.start - 12) : a.start])
    return True


LEAD_TO_PLACE = re.compile(r"^(?:\s*(?:[\w'-]+\s+){0,4}?(?:to|in|into|of|for|at)\s+|\s+)(?:the\s+|neighbou?ring\s+|nearby\s+)*$", re.I)
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
            if not LEAD_TO_PLACE.match(gap):
                if skip:
                    continue
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


def _referent(actors: list[ActorMention], pos: int, last_person: ActorMention | None) -> ActorMention | None:
    """Who a pronoun before ``pos`` stands for: the first person named in the sentence, else
    the last person named before it in the article."""
    for a in actors:
        if a.start >= pos:
            break
        if a.kind == "person":
            return a
    return last_person


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
                referent = _referent(actors, pos, last_person)
                if referent is not None and referent.country not in exclude:
                    return referent
            return a
    if PRONOUN.search(sentence, 0, pos) and last_person is not None and last_person.country not in exclude:
        return last_person
    return None


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


def _date_for(mentions: list[temporal.TemporalMention], sentence: str, trigger: _Trigger) -> temporal.TemporalMention | None:
    """The temporal expression nearest the visit word, preferring its own clause; dates
    of a "since" phrase are not the visit's."""
    best, best_cost = None, None
    for m in mentions:
        if SINCE_BEFORE.search(sentence, max(0, m.start - 8), m.start):
            continue
        if m.end <= trigger.start:
            gap, distance = sentence[m.end : trigger.start], trigger.start - m.end
        else:
            gap, distance = sentence[trigger.end : m.start], max(0, m.start - trigger.end)
        cost = distance + (150 if CLAUSE_BREAK.search(gap) else 0)
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
    A capitalised cue inside the sentence is a name, not a modal ("in May", "Theresa May")."""
    pattern, statuses = _cues()
    found = {
        statuses[m.group(0)]
        for m in pattern.finditer(lowered, max(0, trigger.start - 80), trigger.end + 40)
        if not (m.start() > 0 and sentence[m.start()].isupper() and not sentence.isupper())
    }
    if "none" in found:
        return None
    if "cancelled" in found:
        return "cancelled"
    if "planned" in found:
        return "planned"
    return "occurred"


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


def _surnames(sentence: str, actors: list[ActorMention], known: dict[str, ActorMention]) -> list[ActorMention]:
    """Later mentions of a person by surname alone ("Margaret Thatcher" ... "Thatcher")."""
    if not known:
        return []
    out = []
    for m in CAPITALISED.finditer(sentence):
        person = known.get(m.group(0).upper())
        if person is None or any(a.start <= m.start() < a.end for a in actors):
            continue
        out.append(replace(person, start=m.start(), end=m.end(), text=m.group(0)))
    return out


def extract_visits(text: str, reference_date: dt.date | None, title: str | None = None) -> list[Visit]:
    """All distinct visits an article body reports, merged per visit."""
    gazetteer = Gazetteer.default()
    parts = sentences.split(text)
    if not parts:
        return []
    pattern, _ = _lexicon()
    lowered = [p.lower() for p in parts]
    if not any(pattern.search(s) for s in lowered):
        return []
    place, offset = sentences.dateline(parts[0])
    dateline_country = None
    if place:
        found = gazetteer.find(place, on=reference_date)
        dateline_country = found[0].country if found and found[0].kind in PLACE_KINDS else None
    if place:
        parts[0], lowered[0] = parts[0][offset:], lowered[0][offset:]
    # the lead sentence introduces people by full name; later ones may use the surname alone
    scanned = [i for i, s in enumerate(lowered) if i == 0 or pattern.search(s)]
    actors_by_sentence = {i: gazetteer.find(parts[i], on=reference_date) for i in scanned}
    north_south = _article_north_south(gazetteer, list(actors_by_sentence.values()))
    raw: list[Visit] = []
    last_person: ActorMention | None = None
    known: dict[str, ActorMention] = {}
    for i in scanned:
        sentence, found = parts[i], actors_by_sentence[i]
        actors = sorted(found + _north_south(sentence, north_south) + _surnames(sentence, found, known), key=lambda a: a.start)
        triggers = _triggers(sentence, lowered[i])
        if triggers:
            dates = temporal.find(sentence, reference_date) if reference_date else []
            taken = {id(h) for t in triggers if t.kind in ("noun", "verb") for h in _places_after(actors, sentence, t.end)}
            agents = [a for a in actors if id(a) not in taken]
            context = _Context(sentence, lowered[i], actors, agents, dates, reference_date, dateline_country, last_person)
            for trigger in triggers:
                raw.extend(_visits_for(trigger, context))
        for a in actors:
            if a.kind == "person":
                last_person = a
                if " " in a.text.strip():
                    surname = a.text.split()[-1].rstrip("'’s").upper()
                    if len(surname) > 2:
                        known.setdefault(surname, a)
    return _merge(raw, reference_date)


@dataclass(frozen=True)
class _Context:
    """What the roles of a sentence's visit words are chosen from."""

    sentence: str
    lowered: str
    actors: list[ActorMention]  # every mention, sorted
    agents: list[ActorMention]  # mentions that may travel or host (destinations of visit words left out)
    dates: list[temporal.TemporalMention]
    reference: dt.date | None
    dateline_country: str | None
    last_person: ActorMention | None


def _roles(trigger: _Trigger, c: _Context) -> list[tuple[ActorMention | None, ActorMention | None, bool]]:
    """(visitor, host, explicit) for one visit word."""
    sentence, actors, agents = c.sentence, c.actors, c.agents
    kind = trigger.kind
    if kind in ("noun", "verb"):
        hosts = _places_after(actors, sentence, trigger.end)
        exclude = {h.country for h in hosts}
        visitor = None
        if kind == "noun":
            visitor = _by_agent(agents, sentence, trigger, exclude) or _possessor(agents, sentence, trigger)
            if visitor is None and PRONOUN_POSSESSIVE.search(sentence, max(0, trigger.start - 30), trigger.start):
                visitor = _referent(agents, trigger.start, c.last_person)
            elif visitor is None and POSSESSIVE_BEFORE.search(sentence, 0, trigger.start):
                return []  # "Choe's trip": the visitor is named, but not someone we can place
        if visitor is None and kind == "verb" and OPENING_CLAUSE.match(sentence, 0, trigger.start):
            after = hosts[-1].end if hosts else trigger.end
            visitor = _agent_after(agents, sentence, after, exclude, limit=60)  # "Before visiting X, Blair ..."
        visitor = visitor or _agent_before(agents, sentence, trigger.start, exclude, c.last_person)
        if not hosts and visitor is not None and kind == "noun":
            before = [a for a in actors if a.end <= trigger.start and a.kind in PLACE_KINDS and a.country != visitor.country]
            if BY.search(sentence, trigger.end, trigger.end + 4) and before:
                hosts = [before[-1]]  # "shook Costa Rica during a visit by ..."
            elif c.dateline_country:
                hosts = [ActorMention(0, 0, "", "country", c.dateline_country, None, None, True)]
        return [(visitor, h, True) for h in hosts]
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
        if host is None:
            return []
        return [(_agent_after(agents, sentence, trigger.end, {host.country}, limit=50), host, True)]
    if kind == "meet":
        hosts = _places_after(actors, sentence, trigger.end, limit=60, skip=True)
        if not hosts:
            return []
        host = hosts[0]
        pairs, seen = [], set()
        people = [a for a in actors if a.kind == "person" and a.start < host.start]
        if PRONOUN.search(sentence, 0, trigger.start) and c.last_person is not None:
            people.append(c.last_person)
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
            return [(sender, hosts[0], True)]
        if TO_MEET.search(sentence, trigger.end, trigger.end + 80):
            counterpart = _agent_after(agents, sentence, trigger.end, {sender.country}, limit=120)
            if counterpart is not None and counterpart.kind == "person":
                return [(sender, counterpart, False)]
    return []


def _visits_for(trigger: _Trigger, c: _Context) -> list[Visit]:
    status = _status(c.sentence, c.lowered, trigger)
    if status is None:
        return []
    pairs = _roles(trigger, c)
    if not pairs:
        return []
    date = _year_before(c.sentence, trigger, c.reference) or _date_for(c.dates, c.sentence, trigger)
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


def _merge(raw: list[Visit], reference: dt.date | None) -> list[Visit]:
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
