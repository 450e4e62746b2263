"""Duplicates: an exact copy is a known duplicate, a syndicated copy with small edits is linked
to its first copy by ``duplicate_of`` (in one run, and against what the lake already holds),
another report of the same event is not, and counts use one copy."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import query

WIRE = (
    "Portugal's prime minister arrived in Rabat on Tuesday for two days of talks with Moroccan officials on a planned "
    "undersea power cable between the two countries.\n\n"
    "The cable would carry solar power from southern Morocco to the Portuguese grid, officials said. A feasibility "
    "study is due to be published before the end of the year, and both governments have promised to share its costs.\n\n"
    "The visit is the first by a Portuguese head of government to Morocco since 2017. Trade between the two countries "
    "has doubled over the past decade, driven by car parts, textiles and fertiliser."
)
# the same wire story, syndicated with small edits: a dateline added, "the year" -> "this year"
SYNDICATED = "LISBON - " + WIRE.replace("the end of the year", "the end of this year")
# another syndicated copy, edited differently, arriving in a later run
LATER = "RABAT - " + WIRE.replace("share its costs", "share the costs")
# another report of the same visit, written on its own: not a copy
OTHER = (
    "Moroccan and Portuguese ministers discussed energy links in Rabat on Tuesday, as Portugal's prime minister began "
    "a visit focused on electricity trade.\n\n"
    "Officials from both sides said a power line under the Strait could be built within a decade if investors can be "
    "found. Environmental groups have asked for the route to avoid protected fishing grounds.\n\n"
    "Morocco already exports electricity to Spain through two existing cables."
)


def record(doc_id: str, source: str, text: str) -> dict:
    return {"id": doc_id, "title": "Portuguese leader in Rabat", "published": "2024-04-17", "source": source,
            "url": f"https://{source.lower().replace(' ', '')}.example/{doc_id}", "text": text}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Two real pipeline runs into one lake: four reports, then one more copy."""
    from flows.pipeline import pipeline

    root = tmp_path_factory.mktemp("dups")
    data_dir = root / "data"
    first = write_jsonl(root / "first.jsonl", [
        record("wire-1", "Atlas Wire", WIRE),
        record("coast-7", "Coast Times", WIRE),  # exact copy
        record("tagus-3", "Tagus Daily", SYNDICATED),
        record("maghreb-9", "Maghreb Review", OTHER),
    ])
    summary_1 = pipeline(paths=[str(first)], data_dir=str(data_dir))
    counts_1 = query(data_dir, "select * from visit_counts order by all")
    events_1 = query(data_dir, "select mentions, articles from events")
    second = write_jsonl(root / "second.jsonl", [record("evening-2", "Rabat Evening", LATER)])
    summary_2 = pipeline(paths=[str(second)], data_dir=str(data_dir))
    return {"data_dir": data_dir, "summaries": (summary_1, summary_2), "counts_1": counts_1, "events_1": events_1}


def links(data_dir: Path) -> dict[str, str | None]:
    ids = dict(query(data_dir, "select article_id, doc_id from articles"))
    return {doc: ids.get(dup) for doc, dup in query(data_dir, "select doc_id, duplicate_of from articles")}


def test_exact_and_syndicated_copies_link_to_the_first(runs):
    assert links(runs["data_dir"]) == {
        "wire-1": None, "coast-7": "wire-1", "tagus-3": "wire-1", "maghreb-9": None, "evening-2": "wire-1",
    }
    first, second = runs["summaries"]
    assert (first["articles"], first["duplicates"]) == (2, 2)
    assert (second["articles"], second["duplicates"]) == (0, 1)  # found among what the lake holds


def test_ledger_records_copies_as_duplicates(runs):
    from warehouse.lake import Lake

    ledger = Lake.open(str(runs["data_dir"])).read("_ledger", columns=["outcome"]).column("outcome").to_pylist()
    assert sorted(ledger) == ["article", "article", "duplicate", "duplicate", "duplicate"]


def test_an_exact_copy_stores_no_fingerprint_of_its_own(runs):
    rows = {doc: (has_minhash, bands) for doc, has_minhash, bands in
            query(runs["data_dir"], "select doc_id, minhash is not null, len(minhash_bands) from raw_articles")}
    assert rows == {"wire-1": (True, 9), "coast-7": (False, 0), "tagus-3": (True, 9), "maghreb-9": (True, 9), "evening-2": (True, 9)}


def test_counts_use_one_copy(runs):
    data_dir = runs["data_dir"]
    assert query(data_dir, "select distinct doc_id from visits order by 1") == [("maghreb-9",), ("wire-1",)]
    expected = [("PRT", "MAR", dt.date(2024, 4, 1), 1, 2)]  # one visit, two independent reports
    assert runs["counts_1"] == expected
    assert query(data_dir, "select * from visit_counts order by all") == expected  # the later copy adds nothing
    assert runs["events_1"] == [(2, 2)]
    assert query(data_dir, "select mentions, articles from events") == [(2, 2)]


def test_unrelated_articles_on_one_topic_are_not_linked():
    from tasks.normalise.near_duplicates import fingerprint

    assert fingerprint(WIRE, 128).jaccard(fingerprint(OTHER, 128)) < 0.1


def finder_articles(*texts: str) -> list[dict]:
    return [{"article_id": f"a{i}", "duplicate_of": None, "body": t} for i, t in enumerate(texts)]


def test_a_copy_of_a_copy_links_to_the_first():
    from tasks.normalise.near_duplicates import NearDuplicateFinder

    articles = finder_articles(WIRE, SYNDICATED, SYNDICATED.replace("car parts", "machine parts"))
    linked = NearDuplicateFinder(0.8).link(articles)
    assert [a["article_id"] for a in linked] == ["a1", "a2"]
    assert [a["duplicate_of"] for a in articles] == [None, "a0", "a0"]


def test_the_threshold_is_a_setting(monkeypatch):
    from newsevents.config import Settings
    from tasks.normalise.near_duplicates import NearDuplicateFinder

    monkeypatch.setenv("NEWSEVENTS_NEAR_DUPLICATE_THRESHOLD", "0.95")
    settings = Settings.from_env()
    assert settings.near_duplicate_threshold == 0.95
    articles = finder_articles(WIRE, SYNDICATED)  # estimated similarity 0.89
    assert NearDuplicateFinder(settings.near_duplicate_threshold).link(articles) == []
    assert NearDuplicateFinder(0.85).link(finder_articles(WIRE, SYNDICATED))[0]["duplicate_of"] == "a0"
    with pytest.raises(ValueError, match="near_duplicate_threshold"):
        NearDuplicateFinder(1.5)


def test_a_new_version_is_not_a_copy_of_its_old_one():
    from tasks.normalise.near_duplicates import NearDuplicateFinder

    articles = [{"article_id": "same", "duplicate_of": None, "body": t} for t in (WIRE, SYNDICATED)]
    assert NearDuplicateFinder(0.8).link(articles) == []


def test_short_bodies_have_no_fingerprint():
    from tasks.normalise.near_duplicates import MIN_WORDS, fingerprint

    assert fingerprint(" ".join(["word"] * (MIN_WORDS - 1)), 128) is None
    assert fingerprint(" ".join(f"w{i}" for i in range(MIN_WORDS)), 128) is not None


def test_fingerprints_equal_what_datasketch_computes():
    from datasketch import MinHash

    from tasks.normalise import near_duplicates as nd

    hashes = nd.shingle_hashes(WIRE)
    reference = MinHash(num_perm=128, seed=nd.SEED, scheme=nd.SCHEME, hashfunc=lambda h: h)
    reference.update_batch(hashes.tolist())
    assert (nd.fingerprint(WIRE, 128).hashvalues == reference.hashvalues).all()
    assert nd.decode(nd.encode(reference)).jaccard(reference) == 1.0


def stored_rows(texts: dict[str, str]) -> list[dict]:
    """Article rows as the lake stores them (fingerprinted) for ``texts`` by article id."""
    from tasks.normalise.near_duplicates import NearDuplicateFinder

    articles = [{"article_id": i, "duplicate_of": None, "body": t} for i, t in texts.items()]
    NearDuplicateFinder(0.8).link(articles)
    now = dt.datetime(2024, 4, 17, tzinfo=dt.UTC)
    return [{**a, "doc_id": a["article_id"], "content_hash": a["article_id"], "source_key": a["article_id"], "layout": "plain/1",
             "word_count": len(a["body"].split()), "run_id": "r", "ingested_at": now, "reference_date": now.date()} for a in articles]


def stored_lake(tmp_path: Path, older: tuple[str, ...] = ()):
    """A lake holding WIRE (article ``wire``) and OTHER (``other``), one file each; those in
    ``older`` as the articles schema stored them before band hashes (version 3)."""
    from schemas import ARTICLES, to_table
    from warehouse.lake import Lake

    lake = Lake.open(str(tmp_path / "data"))
    for shard, row in zip(("s1", "s2"), stored_rows({"wire": WIRE, "other": OTHER})):
        table = to_table(ARTICLES, [row])
        if row["article_id"] in older:
            table = table.drop_columns(["minhash_bands", "minhash_band_rows"])
        for path, part in lake.plan_partitioned(ARTICLES, table, shard).items():
            lake.write_parquet(path, part)
    return lake


def arriving() -> list[dict]:
    return [{"article_id": "late", "duplicate_of": None, "body": LATER},
            {"article_id": "own", "duplicate_of": None, "body": OTHER},
            {"article_id": "new", "duplicate_of": None, "body": "An unrelated story about rain. " * 10}]


@pytest.mark.parametrize("older", [(), ("wire",), ("wire", "other")], ids=["band hashes", "mixed", "before band hashes"])
def test_copies_are_found_among_stored_articles_with_or_without_band_hashes(tmp_path, older):
    from tasks.normalise.near_duplicates import NearDuplicateFinder

    articles = arriving()
    NearDuplicateFinder(0.8, lake=stored_lake(tmp_path, older)).link(articles)
    assert [a["duplicate_of"] for a in articles] == ["wire", "other", None]


def test_stored_articles_are_found_after_the_threshold_changes(tmp_path):
    """Band hashes stored for 9 bands of 13 values (0.8) do not answer for another cut: the
    stored MinHash is sliced instead."""
    from tasks.normalise.near_duplicates import NearDuplicateFinder

    articles = arriving()
    finder = NearDuplicateFinder(0.7, lake=stored_lake(tmp_path))
    finder.link(articles)
    assert finder._params != (9, 13)
    assert [a["duplicate_of"] for a in articles] == ["wire", "other", None]


def test_articles_on_their_way_to_the_lake_stay_indexed_until_stored(tmp_path, monkeypatch):
    """With a lake, the in-memory index holds every article not stored yet, however many
    shards wait; without one, it keeps the last MAX_RECENT."""
    from tasks.normalise import near_duplicates
    from warehouse.lake import Lake

    monkeypatch.setattr(near_duplicates, "MAX_RECENT", 2)
    fillers = [finder_articles(f"Unrelated filler story {i} about the weather in the hills and the rain. " * 4)
               for i in range(3)]
    for lake in (Lake.open(str(tmp_path / "data")), None):
        finder = near_duplicates.NearDuplicateFinder(0.8, lake=lake)
        first = [{"article_id": "wire", "duplicate_of": None, "body": WIRE}]
        finder.link(first)
        for shard in fillers:
            finder.link([dict(a, article_id=f"{a['article_id']}-{id(shard)}") for a in shard])
        copy = [{"article_id": "copy", "duplicate_of": None, "body": SYNDICATED}]
        finder.link(copy)
        assert copy[0]["duplicate_of"] == ("wire" if lake is not None else None)
        if lake is not None:
            finder.stored(first)  # the lake is empty here: a stored article is only found there
            later = [{"article_id": "later", "duplicate_of": None, "body": SYNDICATED}]
            finder.link(later)
            assert later[0]["duplicate_of"] == "wire"  # through "copy", still indexed
            finder.stored(copy + later)
            last = [{"article_id": "last", "duplicate_of": None, "body": SYNDICATED}]
            finder.link(last)
            assert last[0]["duplicate_of"] is None
