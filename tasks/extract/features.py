"""Features of a candidate visit and of its date options: how the text says it.

Features name the wording, never the countries or people: the visit word and its kind,
the kinds of mention of each party (person, demonym, capital, dateline, ...), where they
stand against the visit word and each other, the words around them, clause breaks,
quotation, tense and status cue words, and what the hand rules of ``rules.py`` propose
for the sentence. A model over them learns how English news states a visit, not which
countries tend to visit which.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

from tasks.extract import rules, temporal
from tasks.extract.candidates import Candidate, DateOption, Party
from tasks.extract.gazetteer import ActorMention

AGENT_KINDS = frozenset({"person", "country", "demonym", "capital", "seat"})

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+|[\"“”]")
REPORTING = rules.REPORTING
# Status cue words (status_cues.tsv) count within this many characters before and after the
# visit word: about a clause either side.
CUE_BEFORE, CUE_AFTER = 80, 60
NEGATION = re.compile(r"\b(?:not|no|never|n't|neither|nor|without)\b")


def _bucket(n: int) -> str:
    """A distance or count, bucketed so that the model generalises over it."""
    for limit in (0, 1, 2, 3, 5, 8, 13, 21, 34):
        if n <= limit:
            return str(limit)
    return "far"


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


PLACEHOLDER = {"person": "zp", "country": "zc", "demonym": "zd", "capital": "za", "seat": "zs", "city": "zy", "organisation": "zo"}


def mask(lowered: str, actors: Iterable) -> str:
    """The lower-cased sentence with every actor's name replaced by a placeholder of its kind
    ("zp" person, "zc" country, ...; same length, so offsets hold): word features then see
    how a party is named, never who it is."""
    chars = list(lowered)
    for a in actors:
        n = a.end - a.start
        if n >= 2:
            chars[a.start : a.end] = list(PLACEHOLDER.get(a.kind, "zx") + " " * (n - 2))
    return "".join(chars)


def _party(prefix: str, party: Party, sentence: str, masked: str, others: Iterable, trigger: rules._Trigger) -> dict[str, float]:
    """Features of one party: where and how its country is named (words read from ``masked``)."""
    f: dict[str, float] = {f"{prefix}src={party.source}": 1.0}
    m = party.mention
    if m is None or party.source != "mention":
        return f
    f[f"{prefix}kind={m.kind}"] = 1.0
    if m.kind == "person":
        f[f"{prefix}office={m.in_office}"] = 1.0
    side = "before" if m.end <= trigger.start else "after"
    words_between = len(_words(masked[m.end : trigger.start] if side == "before" else masked[trigger.end : m.start]))
    f[f"{prefix}side={side}"] = 1.0
    f[f"{prefix}dist={side}{_bucket(words_between)}"] = 1.0
    before = _words(masked[max(0, m.start - 30) : m.start])[-2:]
    after = _words(masked[m.end : m.end + 30])[:2]
    if before:
        f[f"{prefix}prev={before[-1]}"] = 1.0
        f[f"{prefix}prev2={' '.join(before)}"] = 1.0
    else:
        f[f"{prefix}prev=^"] = 1.0
    if after:
        f[f"{prefix}next={after[0]}"] = 1.0
    if sentence.startswith(("'s", "’s"), m.end):
        f[f"{prefix}possessive"] = 1.0
    if rules._titles().match(sentence[m.end : m.end + 40]):
        f[f"{prefix}titled"] = 1.0
    if rules.HYPHEN_MODIFIER.match(sentence, m.end):
        f[f"{prefix}hyphen"] = 1.0
    kinds = {o.kind for o in others if o is not None}
    for k in kinds:
        f[f"{prefix}anykind={k}"] = 1.0
    f[f"{prefix}kind={m.kind}|{side}"] = 1.0
    return f


@dataclass(frozen=True)
class ArticleContext:
    """What the article as a whole says about a pair: discourse, not identity."""

    pair_sentences: dict[tuple[str, str], int]  # candidate sentences naming both countries
    dateline_country: str | None
    topic_country: str | None
    lead_countries: frozenset[str]  # countries named in the first sentence
    venues: tuple[str | None, ...] = ()  # per sentence: the country of the last summit's place named so far


PREPOSITIONS = frozenset("to in at for from of with by into on via".split())
MODALS = frozenset("will would shall could may might must to".split())
PRONOUNS = frozenset("he she they his her their him them who which".split())
TOKEN = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[0-9]+|[,;:\"“”()—–-]")


def shape(text: str, trigger_spans: list[tuple[int, int]], offset: int, limit: int = 8) -> str:
    """The text between two mentions as coarse token classes: T visit word, P preposition,
    M modal, R reporting verb, N negation, H pronoun, C comma, Q quote, o other (runs collapsed)."""
    out: list[str] = []
    for m in TOKEN.finditer(text):
        pos = offset + m.start()
        w = m.group(0).lower()
        if any(s <= pos < e for s, e in trigger_spans):
            k = "T"
        elif w in PREPOSITIONS:
            k = "P"
        elif w in MODALS:
            k = "M"
        elif REPORTING.fullmatch(w):
            k = "R"
        elif NEGATION.fullmatch(w):
            k = "N"
        elif w in PRONOUNS:
            k = "H"
        elif w in ",;:()—–-":
            k = "C"
        elif w in "\"“”":
            k = "Q"
        else:
            k = "o"
        if out and out[-1] == k and k in "oT":
            continue
        out.append(k)
        if len(out) >= limit:
            out.append("+")
            break
    return "".join(out) or "_"


@dataclass
class _SentenceView:
    """What every candidate of one sentence reads the same way, computed once per sentence."""

    mentions_of: dict[str, list]  # country -> its mentions
    agents: list  # mentions that may travel or host
    places: list
    cues: list[tuple[int, str, str]]  # status cue words: offset, word, status
    features: dict[str, float]  # features of the sentence as a whole
    by_trigger: dict[tuple[int, int], dict[str, float]]  # features of each visit word, once computed
    by_party: dict[tuple, dict[str, float]]  # features of each party at a visit word, once computed


def _sentence_view(sentence: str, lowered: str, actors: list, index: int) -> _SentenceView:
    mentions_of: dict[str, list] = {}
    for a in actors:
        if a.country:
            mentions_of.setdefault(a.country, []).append(a)
    agents = [a for a in actors if a.country and a.kind in AGENT_KINDS and not rules.PREPOSITION_BEFORE.search(sentence[max(0, a.start - 12) : a.start])]
    places = [a for a in actors if a.country and a.kind in rules.PLACE_KINDS]
    pattern, statuses = rules._cues()
    cues = [(m.start(), m.group(0), statuses[m.group(0)]) for m in pattern.finditer(lowered)]
    f = {"parties=" + _bucket(len(mentions_of)): 1.0, "sentence=" + _bucket(index): 1.0}
    if NEGATION.search(lowered):
        f["negation"] = 1.0
    if any(q in sentence for q in rules.QUOTES):
        f["quote"] = 1.0
    if REPORTING.search(lowered):
        f["reporting"] = 1.0
    return _SentenceView(mentions_of, agents, places, cues, f, {}, {})


def _trigger_features(t: rules._Trigger, sentence: str, lowered: str, view: _SentenceView) -> dict[str, float]:
    """Features of a visit word: the word and its kind, the words next to it, status cue words
    of the sentence near it or not."""
    trig = lowered[t.start : t.end]
    f: dict[str, float] = {f"trig={trig}": 1.0, f"trigkind={t.kind}": 1.0}
    left = _words(lowered[max(0, t.start - 40) : t.start])[-3:]
    right = _words(lowered[t.end : t.end + 40])[:3]
    for w in left:
        f[f"wl={w}"] = 1.0
    for w in right:
        f[f"wr={w}"] = 1.0
    if left:
        f[f"wl1={left[-1]}|{t.kind}"] = 1.0
    if right:
        f[f"wr1={right[0]}|{t.kind}"] = 1.0
    for start, word, status in view.cues:
        near = "near" if t.start - 60 <= start <= t.end + 40 else "far"
        f[f"cue={status}|{near}"] = 1.0
        if near == "near":
            f[f"cuew={word}"] = 1.0
    if "quote" in view.features and rules._quoted_apart(sentence, 0, t.start):
        f["trig_in_quote"] = 1.0
    return f


def _structure(c: Candidate, view: _SentenceView) -> dict[str, float]:
    """Where each party's mention stands among the sentence's other mentions."""
    f: dict[str, float] = {}
    t = c.trigger
    agents, places = view.agents, view.places
    vm, hm = c.visitor.mention, c.host.mention
    if vm is not None and c.visitor.source == "mention":
        if agents and agents[0] is vm:
            f["v.first_agent"] = 1.0
        before = [a for a in agents if a.end <= t.start]
        if before and before[-1] is vm:
            f["v.nearest_agent_before"] = 1.0
        after = [a for a in agents if a.start >= t.end]
        if after and after[0] is vm:
            f["v.nearest_agent_after"] = 1.0
        f["v.agents_between=" + _bucket(sum(1 for a in agents if min(vm.end, t.start) <= a.start < max(vm.start, t.end) and a.country != vm.country))] = 1.0
    if hm is not None and c.host.source == "mention":
        after = [a for a in places if a.start >= t.end]
        if after and after[0].country == hm.country:
            f["h.first_place_after"] = 1.0
        if len({a.country for a in places}) == 1 and places[0].country == hm.country:
            f["h.only_place"] = 1.0
        f["h.places_between=" + _bucket(sum(1 for a in places if min(hm.end, t.start) <= a.start < max(hm.start, t.end) and a.country != hm.country))] = 1.0
    return f


LIST_JOINT = re.compile(r"^\s*(?:,\s*and|,|and|or)\s+(?:the\s+)?$")


def _in_list(m: ActorMention, actors: list[ActorMention], sentence: str) -> bool:
    """Is this mention one of a list of countries ("Japan, West Germany, France and Italy")?"""
    for a in actors:
        if a is m or a.country is None or a.kind not in ("country", "demonym", "capital"):
            continue
        gap = sentence[a.end : m.start] if a.end <= m.start else sentence[m.end : a.start] if m.end <= a.start else None
        if gap is not None and LIST_JOINT.match(gap):
            return True
    return False


def _discourse(c: Candidate, ctx: ArticleContext) -> dict[str, float]:
    f = {"pair_sentences=" + _bucket(ctx.pair_sentences.get((c.visitor.country, c.host.country), 0)): 1.0}
    if c.host.country == ctx.dateline_country:
        f["h.is_dateline_country"] = 1.0
    if c.visitor.country == ctx.dateline_country:
        f["v.is_dateline_country"] = 1.0
    if c.visitor.country == ctx.topic_country:
        f["v.is_topic_country"] = 1.0
    if c.host.country == ctx.topic_country:
        f["h.is_topic_country"] = 1.0
    if c.host.country in ctx.lead_countries:
        f["h.in_lead"] = 1.0
    if c.visitor.country in ctx.lead_countries:
        f["v.in_lead"] = 1.0
    venue = ctx.venues[c.index] if c.index < len(ctx.venues) else None
    if venue is not None:
        f["h.is_venue" if c.host.country == venue else "h.not_venue"] = 1.0
        if c.visitor.country == venue:
            f["v.is_venue"] = 1.0
    return f


def candidate_features(
    c: Candidate,
    sentence: str,
    lowered: str,  # masked (``mask``)
    actors: list,
    proposals: dict[tuple[str, str], list[rules.Visit]],
    ctx: ArticleContext,
    triggers: list[rules._Trigger],
    views: dict[int, _SentenceView] | None = None,
) -> dict[str, float]:
    """Features deciding whether ``c`` is a visit and whether it occurred or is planned
    (``views`` keeps what the candidates of one sentence share, between calls)."""
    views = {} if views is None else views
    view = views.get(c.index)
    if view is None:
        view = views[c.index] = _sentence_view(sentence, lowered, actors, c.index)
    t = c.trigger
    trig = lowered[t.start : t.end]
    of_trigger = view.by_trigger.get((t.start, t.end))
    if of_trigger is None:
        of_trigger = view.by_trigger[(t.start, t.end)] = _trigger_features(t, sentence, lowered, view)
    f: dict[str, float] = {"bias": 1.0, **view.features, **of_trigger}
    f.update(_structure(c, view))
    f.update(_discourse(c, ctx))
    for prefix, party in (("v.", c.visitor), ("h.", c.host)):
        key = (prefix, party.country, party.source, id(party.mention), t.start, t.end)
        of_party = view.by_party.get(key)
        if of_party is None:
            of_party = view.by_party[key] = _party(prefix, party, sentence, lowered, view.mentions_of.get(party.country, []), t)
        f.update(of_party)
    vm, hm = c.visitor.mention, c.host.mention
    vkind = vm.kind if vm is not None and c.visitor.source == "mention" else c.visitor.source
    hkind = hm.kind if hm is not None and c.host.source == "mention" else c.host.source
    hprev = next((k.split("=", 1)[1] for k in f if k.startswith("h.prev=")), "-")
    vside = next((k.split("=", 1)[1] for k in f if k.startswith("v.side=")), "-")
    hside = next((k.split("=", 1)[1] for k in f if k.startswith("h.side=")), "-")
    f[f"kinds={vkind}|{hkind}"] = 1.0
    f[f"sides={vside}|{hside}|{t.kind}"] = 1.0
    f[f"trig|hprev={t.kind}|{hprev}"] = 1.0
    f[f"trigw|hprev={trig}|{hprev}"] = 1.0
    f[f"trig|kinds={t.kind}|{vkind}|{hkind}"] = 1.0
    if vm is not None and hm is not None and c.visitor.source == c.host.source == "mention":
        first, second = (vm, hm) if vm.start < hm.start else (hm, vm)
        between = sentence[first.end : second.start]
        words = _words(lowered[first.end : second.start])
        f["order=" + ("v<h" if vm.start < hm.start else "h<v")] = 1.0
        f["gap=" + _bucket(len(words))] = 1.0
        if len(words) <= 3:
            f["between=" + " ".join(words)] = 1.0
        spans = [(t.start, t.end) for t in triggers]
        f["shape=" + ("v" if vm.start < hm.start else "h") + shape(between, spans, first.end)] = 1.0
        f["shape_in=" + shape(sentence[max(0, first.start - 40) : first.start], spans, max(0, first.start - 40))[-3:]] = 1.0
        if rules.CLAUSE_BREAK.search(between):
            f["clause_break"] = 1.0
        if t.start < first.start or t.start > second.end:
            f["trig_outside"] = 1.0
        else:
            f["trig_between"] = 1.0
    for prefix, m in (("v.", vm if c.visitor.source == "mention" else None), ("h.", hm if c.host.source == "mention" else None)):
        if m is not None and _in_list(m, actors, sentence):
            f[f"{prefix}in_list"] = 1.0
            f[f"{prefix}in_list|{t.kind}"] = 1.0
    # what the hand rules propose for this sentence
    same = proposals.get((c.visitor.country, c.host.country), [])
    if same:
        f["rule=pair"] = 1.0
        for v in same:
            f[f"rule_status={v.status}"] = 1.0
            f[f"rule_explicit={v.explicit}"] = 1.0
    elif proposals.get((c.host.country, c.visitor.country)):
        f["rule=reversed"] = 1.0
    elif proposals:
        f["rule=other_pair"] = 1.0
    else:
        f["rule=none"] = 1.0
    if not (vm is not None and hm is not None and c.visitor.source == c.host.source == "mention"):
        m = vm if vm is not None and c.visitor.source == "mention" else hm if hm is not None and c.host.source == "mention" else None
        if m is not None:
            lo, hi = (m.end, t.start) if m.end <= t.start else (t.end, m.start)
            f["shape1=" + ("v" if m is vm else "h") + ("<" if m.end <= t.start else ">") + shape(sentence[lo:hi], [(x.start, x.end) for x in triggers], lo)] = 1.0
    return f


def with_date(f: dict[str, float], option: DateOption, reference: dt.date | None) -> dict[str, float]:
    """The candidate's features and those of the date chosen for it (tense of the date)."""
    out = dict(f)
    out[f"date_prec={option.precision}"] = 1.0
    out[f"date_rel={relation(option, reference)}"] = 1.0
    for k in [k for k in f if k.startswith("cue=")]:
        out[f"{k}|date={relation(option, reference)}"] = 1.0
    return out


def clause_tense(tenses: temporal._Tenses, c: Candidate) -> str:
    """'past', 'future' or 'none': the tense of the candidate's visit word in its clause."""
    return tenses.at(c.trigger.start, c.trigger.end) or "none"


def status_features(c: Candidate, lowered: str, tense: str, option: DateOption, reference: dt.date | None) -> dict[str, float]:
    """Features deciding whether a visit occurred or is planned: the tense of the visit
    word's clause (``clause_tense``), status cue words near it, and where its date lies
    against publication."""
    t = c.trigger
    rel = relation(option, reference)
    f: dict[str, float] = {"bias": 1.0, f"rel={rel}": 1.0, f"tense={tense}": 1.0, f"tense|rel={tense}|{rel}": 1.0,
                           f"prec={option.precision}": 1.0, f"trigkind={t.kind}": 1.0, f"trig={lowered[t.start:t.end]}": 1.0}
    pattern, statuses = rules._cues()
    for m in pattern.finditer(lowered, max(0, t.start - CUE_BEFORE), t.end + CUE_AFTER):
        side = "before" if m.end() <= t.start else "after"
        f[f"cue={statuses[m.group(0)]}|{side}"] = 1.0
        f[f"cuew={m.group(0)}|{side}"] = 1.0
        f[f"cue|rel={statuses[m.group(0)]}|{rel}"] = 1.0
    left = _words(lowered[max(0, t.start - 60) : t.start])[-6:]
    for w in left:
        f[f"wl={w}"] = 1.0
    if len(left) >= 2:
        f[f"wl2={left[-2]} {left[-1]}"] = 1.0
    right = _words(lowered[t.end : t.end + 40])[:4]
    for w in right:
        f[f"wr={w}"] = 1.0
    return f


def relation(option: DateOption, reference: dt.date | None) -> str:
    """Whether a date option lies before, at or after the publication date, at its precision."""
    if option.precision == "article" or option.when is None or reference is None:
        return "article"
    start = option.when
    end = {
        "day": start,
        "week": start + dt.timedelta(days=6),
        "month": (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1),
        "year": start.replace(month=12, day=31),
    }[option.precision]
    if start > reference:
        return "future"
    if end < reference:
        return "past"
    return "current"


def date_features(
    c: Candidate, option: DateOption, sentence: str, lowered: str, triggers: list[rules._Trigger],
    reference: dt.date | None, rule_dates: set,
) -> dict[str, float]:
    """Features deciding which of a candidate's date options is the visit's date."""
    f: dict[str, float] = {"bias": 1.0, f"prec={option.precision}": 1.0, f"n_options={_bucket(len(c.dates))}": 1.0}
    f[f"rel={relation(option, reference)}"] = 1.0
    if (option.when, option.precision) in rule_dates:
        f["rule_date"] = 1.0
    m = option.mention
    if m is None:
        return f
    t = c.trigger
    side = "before" if m.end <= t.start else "after"
    gap = sentence[m.end : t.start] if side == "before" else sentence[t.end : m.start]
    f[f"side={side}"] = 1.0
    f[f"dist={side}{_bucket(len(_words(gap)))}"] = 1.0
    f[f"side|prec={side}|{option.precision}"] = 1.0
    if rules.CLAUSE_BREAK.search(gap):
        f["clause_break"] = 1.0
    if any((m.end <= o.start and o.end <= t.start) or (t.end <= o.start and o.end <= m.start) for o in triggers if o is not t):
        f["crosses_trigger"] = 1.0
    if rules.SINCE_BEFORE.search(sentence, max(0, m.start - 8), m.start):
        f["since"] = 1.0
    if side == "before" and REPORTING.search(lowered, max(0, m.start - 20), t.start):
        f["reporting_between"] = 1.0
    first = _words(m.text)[:1]
    if first:
        f[f"first={first[0]}"] = 1.0
    prev = _words(lowered[max(0, m.start - 20) : m.start])[-1:]
    if prev:
        f[f"prev={prev[0]}"] = 1.0
    for p, name in ((c.host, "host"), (c.visitor, "visitor")):
        if p.mention is not None and p.source == "mention":
            d = len(_words(sentence[min(p.mention.end, m.end) : max(p.mention.start, m.start)]))
            f[f"{name}_dist={_bucket(d)}"] = 1.0
    return f
