"""The high-recall candidate stage: every (sentence, country A, country B) an article
could state a visit of A to B in, with the date expressions it could be dated by.

A sentence is a candidate sentence when it holds a travel or meeting word
(``reference/visit_lexicon.tsv``) or, in an article that has one, places someone "in" or
"at" a place. Its parties are the countries of the actors it names (gazetteer mentions,
people introduced by title and nationality, later surnames) and of the article's context:
the person the text was about before it ("he", "she"), the people of the sentence before,
the person the article names most, the dateline's country and the place of the article's
last summit. Every ordered pair of two different countries is a candidate, once for each
of the two likeliest ways the sentence names the visitor's country (``MAX_VISITORS``:
training learns which of them stands for the visitor); the model (``visits.py``) decides
which are visits, with what status and date. The work per article
is bounded: at most ``MAX_PARTIES`` named countries and ``MAX_PREVIOUS`` people of the
sentence before per sentence.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tasks.extract import rules, temporal
from tasks.extract.gazetteer import ActorMention

MAX_PARTIES = 8  # countries per sentence taken as parties, nearest the visit words first
MAX_PREVIOUS = 3  # people of the sentence before taken as parties
MAX_VISITORS = 2  # ways a visitor country is named in a sentence, each a candidate
CONTEXT_RANK = ("pronoun", "last_person", "previous", "topic", "dateline", "venue")  # when a country has no mention


@dataclass(frozen=True, slots=True)
class Party:
    """One way a country takes part in a sentence: a mention, or the article's context."""

    country: str
    source: str  # "mention" or one of CONTEXT_RANK
    mention: ActorMention | None


@dataclass(frozen=True, slots=True)
class DateOption:
    """A date the visit could have: an expression of the sentence, or the publication date."""

    when: dt.date | None
    precision: str  # day | week | month | year | article
    mention: temporal.TemporalMention | None


@dataclass(slots=True)
class Candidate:
    """A possible visit: ``visitor`` went to ``host``, stated in sentence ``index``."""

    index: int
    visitor: Party
    host: Party
    trigger: rules._Trigger  # the visit word nearest the two parties
    dates: list[DateOption]


def _parties(analysis: rules.Analysis, i: int) -> list[Party]:
    """The parties of sentence ``i``: each country once per source, mentions nearest a visit word first."""
    sentence = analysis.parts[i]
    triggers = analysis.triggers[i]
    mentions = [a for a in analysis.actors[i] if a.country is not None and a.kind != "organisation"]

    def distance(a: ActorMention) -> int:
        return min(abs(a.start - t.start) for t in triggers)

    out: list[Party] = []
    countries: set[str] = set()
    for a in sorted(mentions, key=distance):
        if a.country in countries or len(countries) < MAX_PARTIES:
            countries.add(a.country)
            out.append(Party(a.country, "mention", a))
    last = analysis.last_person[i]
    if last is not None and last.country:
        source = "pronoun" if rules.PRONOUN.search(sentence) else "last_person"
        out.append(Party(last.country, source, last))
    previous = [a for a in (analysis.actors[i - 1] if i > 0 else []) if a.kind == "person" and a.country and a is not last]
    out.extend(Party(a.country, "previous", a) for a in previous[:MAX_PREVIOUS])
    topic = analysis.topic
    if topic is not None and topic.country and topic is not last:
        out.append(Party(topic.country, "topic", topic))
    for source, country in (("dateline", analysis.dateline_country), ("venue", analysis.venue[i])):
        if country:
            out.append(Party(country, source, None))
    return out


PLACE_ONLY = frozenset({"city", "capital"})


def _words_between(sentence: str, a: int, b: int) -> int:
    return len(sentence[min(a, b) : max(a, b)].split())


def _host_and_trigger(hosts: list[Party], triggers: list[rules._Trigger], sentence: str) -> tuple[Party, rules._Trigger]:
    """The host mention a visit word leads to most directly ("visit to X", "arrived in X"),
    else the one nearest a visit word; context parties (dateline, venue) last."""
    best = None
    for p in hosts:
        for t in triggers:
            if p.mention is None or p.source != "mention":
                cost = 10_000 + CONTEXT_RANK.index(p.source)
            elif p.mention.start >= t.end:
                cost = _words_between(sentence, t.end, p.mention.start)
            else:
                cost = 2 * _words_between(sentence, p.mention.end, t.start) + 3
            if best is None or cost < best[0]:
                best = (cost, p, t)
    return best[1], best[2]


def _visitors(visitors: list[Party], trigger: rules._Trigger, sentence: str) -> list[Party]:
    """The ``MAX_VISITORS`` likeliest visitor parties of a country: mentions nearest the
    chosen visit word, before it rather than after, a person or titled actor rather than a
    place; context parties last. The model learns which of them stands for the visitor."""
    def cost(p: Party) -> float:
        if p.mention is None or p.source != "mention":
            return 10_000 + CONTEXT_RANK.index(p.source)
        m = p.mention
        d = _words_between(sentence, m.end, trigger.start) if m.end <= trigger.start else 1.5 * _words_between(sentence, trigger.end, m.start) + 1
        return d + (6 if m.kind in PLACE_ONLY else 0) - (2 if m.kind == "person" else 0)

    return sorted(visitors, key=cost)[:MAX_VISITORS]


def date_options(analysis: rules.Analysis, i: int, reference: dt.date | None) -> list[DateOption]:
    """The sentence's resolvable dates and the publication date (precision ``article``)."""
    options = [DateOption(m.resolved.start, m.resolved.precision, m) for m in analysis.dates[i]]
    options.append(DateOption(reference, "article", None))
    return options


def candidates(analysis: rules.Analysis, reference: dt.date | None) -> list[Candidate]:
    """Every ordered pair of different countries of every candidate sentence."""
    out: list[Candidate] = []
    for i, triggers in enumerate(analysis.triggers):
        if not triggers:
            continue
        parties = _parties(analysis, i)
        by_country: dict[str, list[Party]] = {}
        for p in parties:
            by_country.setdefault(p.country, []).append(p)
        if len(by_country) < 2:
            continue
        dates = date_options(analysis, i, reference)
        sentence = analysis.parts[i]
        for a, a_parties in by_country.items():
            for b, b_parties in by_country.items():
                if a == b:
                    continue
                host, trigger = _host_and_trigger(b_parties, triggers, sentence)
                if host.source != "mention":  # no host mention: the visit word nearest the visitor
                    _, trigger = _host_and_trigger([Party(p.country, p.source, p.mention) for p in a_parties], triggers, sentence)
                for visitor in _visitors(a_parties, trigger, sentence):
                    out.append(Candidate(i, visitor, host, trigger, dates))
    return out
