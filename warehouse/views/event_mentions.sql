-- event_mentions: one row per event mentioned in the current version of an article.
-- Mentions of a superseded article version drop out here (compaction removes them from
-- the lake). mention_id derives from the mention's content, so a row written twice (two
-- writers on an object store) shows once.
create or replace view event_mentions as
with

mentions as (
    select distinct on (mention_id) * from raw_event_mentions
),

current_versions as (
    select article_id, content_hash from articles
)

select mentions.*
from mentions
semi join current_versions
    on mentions.article_id = current_versions.article_id
    and mentions.content_hash = current_versions.content_hash
