"""Measure tasks.extract.temporal against the TempEval-3 TIMEX3 annotations.

Target set: DATE timexes whose surface text has no four-digit year and whose gold value
is a day, ISO week, month or year.  Each is resolved with ``resolve(text, dct,
context=<its sentence>)`` and compared with the gold value.  The script also times
``find()`` over every sentence of the corpus.

    python benchmarks/eval_timex.py [--timex PATH] [--misses]
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tasks.extract.temporal import find, resolve  # noqa: E402

DEFAULT_TIMEX = (
    REPO.parent / "shared" / "eval" / "external" / "timebank_timex" / "timex.jsonl"
)

FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
GOLD_VALUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-W(\d{1,2}))?$")
# Abbreviations after which a period does not end a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "sgt",
    "capt", "st", "jr", "sr", "co", "corp", "inc", "ltd", "no", "vs", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s",
    "u.n", "u.k", "calif", "fla", "mass", "conn", "ill", "n.y", "n.j", "va", "md",
    "ariz", "mich", "minn", "wash", "pa", "tex", "okla", "wis", "ga", "ky", "la",
}
SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]*[A-Z0-9])|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split text into sentences: (start, end) offsets."""
    spans = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        if m.group().startswith("."):
            word = re.search(r"([\w.]+)\.$", text[start : m.start() + 1])
            token = word.group(1).lower() if word else ""
            if token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token):
                continue
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def normalise_value(value: str) -> str:
    """Zero-pad ISO week numbers ('2000-W7' -> '2000-W07')."""
    return re.sub(r"-W(\d)$", r"-W0\1", value)


def granularity(value: str) -> str:
    m = GOLD_VALUE.match(value)
    if m.group(4):
        return "week"
    if m.group(3):
        return "day"
    if m.group(2):
        return "month"
    return "year"


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def target_cases(documents: list[dict]):
    """Yield (document, timex, sentence text, offset of timex in sentence)."""
    for doc in documents:
        spans = sentence_spans(doc["text"])
        starts = [s for s, _ in spans]
        for timex in doc["timexes"]:
            if timex["type"] != "DATE" or FOUR_DIGIT_YEAR.search(timex["text"]):
                continue
            if not GOLD_VALUE.match(timex["value"]):
                continue
            i = max(bisect.bisect_right(starts, timex["start"]) - 1, 0)
            s, e = spans[i]
            e = max(e, timex["end"])
            yield doc, timex, doc["text"][s:e]


def evaluate(documents: list[dict], show_misses: bool) -> None:
    total = Counter()
    right = Counter()
    misses = []
    for doc, timex, sentence in target_cases(documents):
        dct = datetime.date.fromisoformat(doc["dct"])
        gold = normalise_value(timex["value"])
        result = resolve(timex["text"], dct, context=sentence)
        got = result.value if result else None
        keys = ("all", "gran:" + granularity(gold), "subset:" + doc["subset"])
        for key in keys:
            total[key] += 1
            right[key] += got == gold
        if got != gold:
            misses.append((timex["text"], doc["dct"], gold, got, sentence))

    def line(label: str, key: str) -> str:
        n, k = total[key], right[key]
        return f"  {label:<10} {k:4d} / {n:4d}  {100.0 * k / n:5.1f} %" if n else ""

    print("Resolution accuracy (exact value match)")
    print(line("overall", "all"))
    print("By granularity")
    for g in ("day", "week", "month", "year"):
        print(line(g, "gran:" + g))
    print("By subset")
    for s in ("TimeBank", "AQUAINT", "platinum"):
        print(line(s, "subset:" + s))
    none_count = sum(1 for m in misses if m[3] is None)
    wrong = len(misses) - none_count
    print(f"Misses: {len(misses)} ({none_count} unresolved, {wrong} wrong)")
    if show_misses:
        print()
        for text, dct, gold, got, sentence in misses:
            snippet = " ".join(sentence.split())
            if len(snippet) > 160:
                snippet = snippet[:157] + "..."
            print(f"{text!r:30} dct={dct} gold={gold:<10} got={got!s:<10} | {snippet}")


def throughput(documents: list[dict], repeats: int = 3) -> None:
    sentences = []
    for doc in documents:
        dct = datetime.date.fromisoformat(doc["dct"])
        sentences.extend((doc["text"][s:e], dct) for s, e in sentence_spans(doc["text"]))
    best = float("inf")
    found = 0
    for _ in range(repeats):
        begin = time.perf_counter()
        found = sum(len(find(text, dct)) for text, dct in sentences)
        best = min(best, time.perf_counter() - begin)
    with_mention = sum(1 for text, dct in sentences if find(text, dct))
    print(
        f"find() throughput: {len(sentences) / best:,.0f} sentences/s "
        f"({len(sentences)} sentences, {1e6 * best / len(sentences):.1f} us each, "
        f"{found} mentions in {with_mention} sentences)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timex", type=Path, default=DEFAULT_TIMEX, help="timex.jsonl")
    parser.add_argument("--misses", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    documents = load(args.timex)
    evaluate(documents, args.misses)
    throughput(documents)
    return 0


if __name__ == "__main__":
    sys.exit(main())
