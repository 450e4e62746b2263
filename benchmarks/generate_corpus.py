"""A synthetic corpus of N news articles with known visits, for scale runs that check recall.

    python benchmarks/generate_corpus.py --articles 100000 --out /tmp/corpus [--new 1000] [--seed 1]

Writes, under ``--out``:

- ``corpus/articles-NNN.jsonl``: the articles as JSON Lines (``id, title, text, published, source,
  url``), 100,000 per file, in order of publication;
- ``corpus/newsdesk/NNNNNNN.txt``: every 50th article instead as a plain-text file in the
  news-desk layout (title, standfirst, title again, ``Publisher/Desk``, body, dated line, author);
- ``new/new-articles.jsonl``: ``--new`` more articles published after all of those (a later run);
- ``gold.tsv``: every visit the articles report (visitor, host, date, reports), the
  corpus's truth; ``gold_new.tsv`` the same for the new articles.

Each visit is reported by one to five articles published one to three days after it, in
varied wordings (arrival, visit, talks, a trip, a delegation; the date as a weekday or as
a day and month); a third of the articles report no visit. Visits of one pair are at least
ten days apart, so each is one event. Countries, demonyms and capitals come from
``tasks/extract/reference/country_aliases.tsv``; the filler sentences name no country.
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tasks.refdata import read_tsv  # noqa: E402

COUNTRIES = (  # ISO 3166-1 alpha-3 codes of the countries visits go between
    "ARG AUS AUT BEL BRA CAN CHE CHL CHN COL CZE DEU DNK EGY ESP ETH FIN FRA GBR GRC HUN IDN IND IRL ITA JPN KEN "
    "KOR MAR MEX NGA NLD NOR NZL PAK PER PHL POL PRT ROU SAU SWE THA TUR UKR VNM ZAF"
).split()
OFFICIALS = ("foreign minister", "prime minister", "president", "defence minister", "trade minister")
VISITS = (  # {v}/{h}: visitor/host country name, {vd}/{hd}: demonyms, {hc}: host capital, {o}: official, {when}: date
    "The {vd} {o} arrived in {hc} {when} for talks with {hd} officials.",
    "{v}'s {o} visited {h} {when}, officials said.",
    "The {vd} {o} held talks in {hc} {when} during a two-day visit to {h}.",
    "A {vd} delegation led by the {o} visited {hc} {when}.",
    "The {o} of {v} began a visit to {h} {when}, meeting {hd} leaders in {hc}.",
    "{vd} {o} arrived in {h} {when} on an official visit.",
)
FILLER = (
    "Markets were calm in early trading and the currency held steady against the dollar.",
    "Officials said the talks would cover trade, energy and investment.",
    "The ministry did not give further details of the programme.",
    "Analysts expect the central bank to keep interest rates unchanged this quarter.",
    "Both sides described the meeting as constructive and open.",
    "A joint statement is expected at the end of the week.",
    "Farmers have asked for more support after a dry summer.",
    "The opposition criticised the budget plan in parliament on the same day.",
    "Exports of machinery rose by four percent in the last quarter.",
    "Local newspapers gave the story prominent coverage.",
    "The government has promised to publish the agreement in full.",
    "Traffic in the city centre was restricted for several hours.",
)
QUIET = (  # articles with no visit
    "Inflation eased for a third month as fuel prices fell.",
    "The national football team won its qualifying match on Sunday.",
    "A new rail line opened to passengers after years of delays.",
    "Heavy rain caused flooding in several northern districts.",
)
SOURCES = ("Harbour Wire", "Meridian Post", "Northgate Daily", "Anka Review", "Civic Ledger")
MONTHS = "January February March April May June July August September October November December".split()
MONTHS_TR = "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
START = dt.date(2000, 1, 3)
TEXT_EVERY = 50  # every 50th article is a news-desk text file
PER_FILE = 100_000
VISIT_SHARE = 2 / 3  # of the articles
MIN_APART = 10  # days between two visits of one pair


def names() -> dict[str, dict[str, str]]:
    """{code: {country, demonym, capital}}: the first alias of each kind for the chosen countries."""
    out: dict[str, dict[str, str]] = {c: {} for c in COUNTRIES}
    for row in read_tsv(REPO / "tasks" / "extract" / "reference" / "country_aliases.tsv"):
        if row["code"] in out and row["kind"] in ("country", "demonym", "capital") and not row["valid_to"]:
            out[row["code"]].setdefault(row["kind"], row["alias"])
    missing = [c for c, kinds in out.items() if len(kinds) < 3]
    if missing:
        raise SystemExit(f"country_aliases.tsv lacks a country name, demonym or capital for {missing}")
    return out


def when(visit: dt.date, published: dt.date, rng: random.Random) -> str:
    """The visit's date as a report a few days later says it."""
    if rng.random() < 0.5:
        return f"on {WEEKDAYS[visit.weekday()]}"
    if rng.random() < 0.5:
        return f"on {visit.day} {MONTHS[visit.month - 1]}"
    return f"on {MONTHS[visit.month - 1]} {visit.day}"


def plan(n: int, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """(articles, visits): articles as (published, visit index or None), in order of publication;
    visits as (visitor, host, date)."""
    days = max(1, int(n / 120))  # about 120 articles a day
    reports = [rng.randint(1, 5) for _ in range(int(n * VISIT_SHARE / 3) + 1)]
    visits: list[tuple] = []
    taken: dict[tuple, list[dt.date]] = {}
    articles: list[tuple] = []
    for count in reports:
        while True:
            pair = tuple(rng.sample(COUNTRIES, 2))
            date = START + dt.timedelta(days=rng.randrange(days))
            dates = taken.setdefault(pair, [])
            i = bisect.bisect(dates, date)
            if all(abs((d - date).days) >= MIN_APART for d in dates[max(0, i - 1):i + 1]):
                dates.insert(i, date)
                break
        visits.append((*pair, date))
        articles += [(date + dt.timedelta(days=rng.randint(1, 3)), len(visits) - 1) for _ in range(count)]
    articles = articles[:int(n * VISIT_SHARE)]
    articles += [(START + dt.timedelta(days=rng.randrange(days)), None) for _ in range(n - len(articles))]
    articles.sort(key=lambda a: a[0])
    return articles, visits


def article_text(visit: tuple | None, published: dt.date, rng: random.Random, countries: dict) -> tuple[str, str]:
    """(title, body) of one article."""
    filler = rng.sample(FILLER, 5)
    if visit is None:
        lead = rng.choice(QUIET)
        return lead.rstrip("."), " ".join([lead, *filler])
    v, h, date = visit
    cv, ch = countries[v], countries[h]
    lead = rng.choice(VISITS).format(
        v=cv["country"], h=ch["country"], vd=cv["demonym"], hd=ch["demonym"], hc=ch["capital"],
        o=rng.choice(OFFICIALS), when=when(date, published, rng))
    lead = lead[0].upper() + lead[1:]
    title = f"{cv['demonym']} minister in {ch['capital']}"
    return title, " ".join([lead, *filler[:2]]) + "\n\n" + " ".join(filler[2:])


def newsdesk(title: str, body: str, published: dt.date, source: str, n: int) -> str:
    stamp = f"{published.day:02d} {MONTHS_TR[published.month - 1]} {published.year}, {8 + n % 10:02d}:{n % 60:02d}"
    return (f"{title}\n\nA report from our correspondents.\n\n{title}\n\n{source}/Foreign Desk\n\n"
            f"{body}\n\nGüncelleme Tarihi: {stamp}\n\nStaff reporter\n")


def write(out: Path, articles: list[tuple], visits: list[tuple], countries: dict, rng: random.Random,
          first: int, jsonl_name, gold_name: str, text_files: bool) -> None:
    files: dict[str, object] = {}
    reported: dict[int, int] = {}
    try:
        for i, (published, visit) in enumerate(articles, start=first):
            visit_row = visits[visit] if visit is not None else None
            title, body = article_text(visit_row, published, rng, countries)
            source = SOURCES[i % len(SOURCES)]
            if visit is not None:
                reported[visit] = reported.get(visit, 0) + 1
            if text_files and i % TEXT_EVERY == 0:
                (out / "corpus" / "newsdesk" / f"{i:07d}.txt").write_text(newsdesk(title, body, published, source, i), encoding="utf-8")
                continue
            name = jsonl_name(i)
            if name not in files:
                files[name] = open(out / name, "w", encoding="utf-8")
            record = {"id": f"g{i:07d}", "title": title, "text": body, "published": published.isoformat(),
                      "source": source, "url": f"https://news.example/{i:07d}"}
            files[name].write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        for f in files.values():
            f.close()
    with open(out / gold_name, "w", encoding="utf-8") as f:
        f.write("visitor\thost\tdate\treports\n")
        for index in sorted(reported, key=lambda k: (visits[k][2], visits[k][:2])):
            v, h, date = visits[index]
            f.write(f"{v}\t{h}\t{date.isoformat()}\t{reported[index]}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--new", type=int, default=1000, help="articles published after the corpus (new-articles.jsonl)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    countries = names()
    articles, visits = plan(args.articles + args.new, rng)
    corpus, new = articles[:args.articles], articles[args.articles:]
    for sub in ("corpus/newsdesk", "new"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    write(args.out, corpus, visits, countries, rng, 0, lambda i: f"corpus/articles-{i // PER_FILE:03d}.jsonl", "gold.tsv", True)
    write(args.out, new, visits, countries, rng, args.articles, lambda i: "new/new-articles.jsonl", "gold_new.tsv", False)
    print(f"{args.articles} articles (+{len(new)} new) with {len(visits)} visits in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
