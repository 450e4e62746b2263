-- events: event mentions clustered across articles, one row per real-world event
-- (the same visit reported by ten articles is one event with mentions = 10).
create or replace view events as
select
    event_id,
    event_type,
    event_mode,
    cameo_code,
    actor_country,
    recipient_country,
    event_date,
    date_precision,
    status,
    mentions,
    articles,
    sources,
    first_reported,
    last_reported,
    actor_names,
    evidence,
    confidence,
    mention_ids
from raw_events
