-- articles: one row per article, its latest version (a changed article replaces the old one).
-- Known duplicates (the same text under another id or URL) are kept with duplicate_of set.
create or replace view articles as
with

versions as (
    select
        *,
        row_number() over (partition by article_id order by ingested_at desc, content_hash) as version_rank
    from raw_articles
),

latest as (
    select * from versions where version_rank = 1
)

select
    article_id,
    doc_id,
    title,
    standfirst,
    publisher,
    desk,
    authors,
    published_at,
    updated_at,
    timezone,
    timezone(coalesce(timezone, 'UTC'), published_at) as published_at_local,
    timezone(coalesce(timezone, 'UTC'), updated_at) as updated_at_local,
    reference_date,
    language,
    url,
    source,
    body,
    word_count,
    duplicate_of,
    content_hash,
    layout,
    source_key,
    run_id,
    ingested_at,
    year,
    month
from latest
