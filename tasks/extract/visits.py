"""Diplomatic visits from article text: who (country A) went to whom (country B), when, and
whether it happened, is planned or was called off (see ``../shared/eval/VISITS.md``).

Per sentence that holds a visit word (``reference/visit_lexicon.tsv``):

1. actors and places come from the gazetteer (countries, demonyms, capitals, seats of
   government, office-holders on the article's date, organisations);
2. the visit word's kind assigns the roles: ``noun`` ("a visit to Y by X", "X's visit to
   Y"), ``verb`` ("X visited Y", "X arrived in Y"), ``host`` ("Y welcomed X"), ``meet``
   ("met in Y": everyone named who is not from Y visits Y) and ``send`` ("X sent Z to Y");
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

EXTRACTOR_VERSION = "visits/0.1"
REFERENCE = Path(__file__).parent / "reference"

PLACE_KINDS = frozenset({"country", "capital", "seat", "city"})
NOUN_BEFORE = frozenset(
    "a an the his her their its our my this that first second third recent planned official state working "
    "surprise historic landmark rare upcoming week-long weeklong day-long".split()
)
VERB_BEFORE = frozenset("to will would did didn't not can could may might shall should must also".split())
CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:while|but|whereas|although|and|as)\b|\bwhile\b|\bbut\b|\bafter\b|\bbefore\b|\bwhen\b")
PREPOSITION_BEFORE = re.compile(r"\b(?:in|to|at|from|into|near|of|for|via|with)\s+(?:the\s+)?$", re.I)
PRONOUN_SUBJECT = re.compile(r"^\W*(?:He|She|They)\b")
NORTH_SOUTH = re.compile(r"\b[Tt]he (North|South)\b(?! (?:Korea|Sudan|Africa|America|Pole|Sea|Atlantic|Pacific|Caucasus))")
POSSESSIVE_BEFORE = re.compile(r"(?:'s|’s|s')\s+(?:[\w-]+\s+){0,2}$")
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


def _triggers(sentence: str) -> list[_Trigger]:
    pattern, kinds = _lexicon()
    out = []
    for m in pattern.finditer(sentence):
        phrase = m.group(0).lower()
        kind = kinds[phrase]
        if phrase in ("visit", "visits", "tour", "tours", "trip"):
            before = sentence[: m.start()].rstrip()
            prev = before.rsplit(None, 1)[-1].lower() if before else ""
            if before.endswith(("'s", "’s")) or prev in NOUN_BEFORE or re.search(r"\d+-day$|-day$", prev):
                kind = "noun"
            elif prev in VERB_BEFORE:
                kind = "verb"
            elif phrase in ("visits", "tours") and before and before[-1].isalpha():
                kind = "verb" if _is_subjectish(before) else "noun"
            else:
                kind = "noun"
        out.append(_Trigger(m.start(), m.end(), kind))
    return out


def _is_subjectish(before: str) -> bool:
    last = before.rsplit(None, 1)[-1]
    return last[:1].isupper()


def _is_agent(sentence: str, a: ActorMention) -> bool:
    """Can this mention stand for a party that travels or hosts?"""
    if a.kind == "organisation" or a.country is None:
        return a.kind == "organisation"
    if a.kind == "demonym":
        return bool(_titles().match(sentence[a.end : a.end + 40]))
    if a.kind in ("capital", "seat", "city"):
        return not PREPOSITION_BEFORE.search(sentence[max(0, a.start - 12) : a.start])
    return True


LEAD_TO_PLACE = re.compile(r"^(?:\s*(?:[\w'-]+\s+){0,4}?(?:to|in|into|of|for|at)\s+|\s+)(?:the\s+|neighbou?ring\s+|nearby\s+)*$", re.I)


def _places_after(actors: list[ActorMention], sentence: str, pos: int, limit: int = WINDOW) -> list[ActorMention]:
    """Destinations after ``pos``: the first place (after to/in/of/for, or right after a verb),
    and places listed with it ("Japan and South Korea")."""
    out: list[ActorMention] = []
    for a in actors:
        if a.start < pos or a.kind not in PLACE_KINDS or a.country is None:
            continue
        gap = sentence[pos if not out else out[-1].end : a.start]
        if not out:
            if a.start - pos > limit or CLAUSE_BREAK.search(gap) or not LEAD_TO_PLACE.match(gap):
                break
            out.append(a)
        elif re.fullmatch(r"\s*(?:,|and|,\s*and)\s*(?:the\s+)?", gap) or re.fullmatch(r",\s*", gap):
            if a.country != out[-1].country or a.kind == "country":
                out.append(a)
        else:
            break
    # "Reykjavik, Iceland": a capital followed by its own country is one place
    dedup: list[ActorMention] = []
    for a in out:
        if not dedup or dedup[-1].country != a.country:
            dedup.append(a)
    return dedup


def _agent_before(actors: list[ActorMention], sentence: str, pos: int, exclude: set[str]) -> ActorMention | None:
    """The nearest agent before ``pos`` in the same clause (the subject of the visit word)."""
    for a in reversed([a for a in actors if a.end <= pos]):
        if CLAUSE_BREAK.search(sentence[a.end : pos]) and a.kind != "person":
            return None
        if _is_agent(sentence, a) and (a.country not in exclude or a.kind == "organisation"):
            return _head_of_phrase(actors, sentence, a)
    return None


def _head_of_phrase(actors: list[ActorMention], sentence: str, a: ActorMention) -> ActorMention:
    """For "Russia's Deputy Prime Minister Yuri Trutnev" prefer the country that qualifies the person."""
    if a.kind == "person":
        return a
    return a


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
    m = re.compile(r"\bby\s+").search(sentence, trigger.end, trigger.end + WINDOW)
    if not m:
        return None
    return _agent_after(actors, sentence, m.end(), exclude, limit=60)


def _possessor(actors: list[ActorMention], sentence: str, trigger: _Trigger) -> ActorMention | None:
    """"Russia's visit", "Putin's state visit", "the Chinese leader's trip"."""
    before = sentence[: trigger.start]
    m = re.search(r"(?:'s|’s|')\s+(?:[\w-]+\s+){0,3}$", before)
    if not m:
        return None
    for a in reversed(actors):
        if a.end <= m.start() and m.start() - a.end <= 40:
            if a.kind == "demonym" or _is_agent(sentence, a):
                return a
            return None
    return None


def _date_for(mentions: list[temporal.TemporalMention], sentence: str, trigger: _Trigger) -> temporal.TemporalMention | None:
    best, best_cost = None, None
    for m in mentions:
        if m.end <= trigger.start:
            gap, distance = sentence[m.end : trigger.start], trigger.start - m.end
        else:
            gap, distance = sentence[trigger.end : m.start], max(0, m.start - trigger.end)
        cost = distance + (150 if CLAUSE_BREAK.search(gap) else 0)
        if best_cost is None or cost < best_cost:
            best, best_cost = m, cost
    return best


def _status(sentence: str, trigger: _Trigger) -> str | None:
    """planned / cancelled / occurred from cue words in the trigger's clause; None for no visit."""
    lo = max(0, trigger.start - 80)
    window = sentence[lo : trigger.end + 40]
    found = {status for pattern, status in _cues() if pattern.search(window)}
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


def extract_visits(text: str, reference_date: dt.date | None, title: str | None = None) -> list[Visit]:
    """All distinct visits an article body reports, merged per visit."""
    gazetteer = Gazetteer.default()
    parts = sentences.split(text)
    if not parts:
        return []
    place, offset = sentences.dateline(parts[0])
    dateline_country = None
    if place:
        found = gazetteer.find(place, on=reference_date)
        dateline_country = found[0].country if found and found[0].kind in PLACE_KINDS else None
        parts[0] = parts[0][offset:]
    pattern, _ = _lexicon()
    candidates = [i for i, s in enumerate(parts) if pattern.search(s)]
    if not candidates:
        return []
    actors_by_sentence = {i: gazetteer.find(parts[i], on=reference_date) for i in candidates}
    north_south = _article_north_south(gazetteer, list(actors_by_sentence.values()))
    raw: list[Visit] = []
    last_agent: ActorMention | None = None
    for i in candidates:
        sentence = parts[i]
        actors = sorted(actors_by_sentence[i] + _north_south(sentence, north_south), key=lambda a: a.start)
        dates = temporal.find(sentence, reference_date) if reference_date else []
        for trigger in _triggers(sentence):
            raw.extend(_visits_for(trigger, sentence, actors, dates, reference_date, dateline_country, last_agent))
        agents = [a for a in actors if a.kind == "person"]
        if agents:
            last_agent = agents[-1]
    return _merge(raw, reference_date)


def _visits_for(
    trigger: _Trigger,
    sentence: str,
    actors: list[ActorMention],
    dates: list[temporal.TemporalMention],
    reference: dt.date | None,
    dateline_country: str | None,
    last_agent: ActorMention | None,
) -> list[Visit]:
    status = _status(sentence, trigger)
    if status is None:
        return []
    pairs: list[tuple[ActorMention | None, ActorMention | None, bool]] = []  # visitor, host, explicit
    kind = trigger.kind
    if kind in ("noun", "verb"):
        hosts = _places_after(actors, sentence, trigger.end)
        exclude = {h.country for h in hosts}
        visitor = None
        if kind == "noun":
            visitor = _by_agent(actors, sentence, trigger, exclude) or _possessor(actors, sentence, trigger)
            if visitor is None and POSSESSIVE_BEFORE.search(sentence[: trigger.start]):
                return []  # "Choe's trip": the visitor is named, but not someone we can place
        visitor = visitor or _agent_before(actors, sentence, trigger.start, exclude)
        if visitor is None and last_agent is not None and PRONOUN_SUBJECT.match(sentence):
            visitor = last_agent
        if not hosts and dateline_country and visitor is not None and kind == "noun":
            hosts = [ActorMention(0, 0, "", "country", dateline_country, None, None, True)]
        pairs = [(visitor, h, True) for h in hosts]
    elif kind == "host":
        host = _agent_before(actors, sentence, trigger.start, set())
        if host is not None:
            visitor = _agent_after(actors, sentence, trigger.end, {host.country}, limit=50)
            pairs = [(visitor, host, True)]
    elif kind == "meet":
        hosts = _places_after(actors, sentence, trigger.end, limit=30)
        if hosts:
            host = hosts[0]
            seen: set[str] = set()
            people = [a for a in actors if a.kind == "person"]
            for a in people or actors:
                if a is host or a.start >= host.start or a.country in (None, host.country) or a.country in seen:
                    continue
                if a.kind in ("person", "country") or (a.kind == "demonym" and _is_agent(sentence, a)):
                    seen.add(a.country)
                    pairs.append((a, host, True))
    elif kind == "send":
        sender = _agent_before(actors, sentence, trigger.start, set())
        if sender is not None:
            hosts = [h for h in _places_after(actors, sentence, trigger.end) if h.country != sender.country]
            if hosts:
                pairs = [(sender, hosts[0], True)]
            elif re.search(r"\bto meet\b", sentence[trigger.end : trigger.end + 80]):
                counterpart = _agent_after(actors, sentence, trigger.end, {sender.country}, limit=120)
                if counterpart is not None and counterpart.kind == "person":
                    pairs = [(sender, counterpart, False)]
    out = []
    date = _date_for(dates, sentence, trigger)
    for visitor, host, explicit in pairs:
        if visitor is None or host is None or visitor.kind == "organisation" or host.country is None:
            continue
        if visitor.country is None or visitor.country == host.country:
            continue
        if date is not None:
            when, precision, expression = date.resolved.start, date.resolved.precision, date.text
        else:
            when, precision, expression = reference, "article", None
        settled = _settle_status(status, when, precision, reference)
        confidence = 0.9 if kind in ("noun", "verb") and explicit else 0.7 if explicit else 0.5
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
                sentence=sentence,
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
