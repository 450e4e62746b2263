"""A column added in a later schema version leaves old partitions readable through the views."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa
import pyarrow.parquet  # noqa: F401  (pa.parquet)

from conftest import query
from schemas import ARTICLES, to_table
from warehouse.lake import Lake
from warehouse.build import build_warehouse


def article(i: int, **extra) -> dict:
    now = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    return {
        "article_id": f"a{i}", "doc_id": f"d{i}", "content_hash": f"h{i}", "source_key": f"s{i}", "layout": "plain/1",
        "body": "text", "word_count": 1, "run_id": "r", "ingested_at": now, "reference_date": dt.date(2024, 1, i), **extra,
    }


def test_old_partitions_stay_readable_after_a_column_is_added(tmp_path):
    data_dir = tmp_path / "it's data"  # a quote in the path must not break (or inject into) the views' SQL
    lake = Lake.open(str(data_dir))
    v1 = to_table(ARTICLES, [article(1)])
    v2_contract = dataclasses.replace(
        ARTICLES, version=ARTICLES.version + 1, schema=ARTICLES.schema.append(pa.field("section", pa.string()))
    )
    v2 = to_table(v2_contract, [article(2, section="world")])
    for shard, table, contract in (("old", v1, ARTICLES), ("new", v2, v2_contract)):
        for path, part in lake.plan_partitioned(contract, table, shard).items():
            lake.write_parquet(path, part)
    build_warehouse(lake)
    assert query(data_dir, "select doc_id from articles order by 1") == [("d1",), ("d2",)]
    assert query(data_dir, "select doc_id, section from raw_articles order by 1") == [("d1", None), ("d2", "world")]
    versions = {pa.parquet.read_schema(f).metadata[b"newsevents.schema_version"] for f in lake.files("articles")}
    assert versions == {str(ARTICLES.version).encode(), str(ARTICLES.version + 1).encode()}
