-- visits: the diplomatic-visit mentions (PLOVER CONSULT, mode visit; CAMEO 042/043).
-- visitor = the country the visitor represents, host = the country visited.
create or replace view visits as
select
    doc_id,
    article_id,
    actor_country as visitor_country,
    recipient_country as host_country,
    event_date,
    date_precision,
    status,
    actor_name as visitor_name,
    sentence as evidence,
    confidence,
    explicit,
    date_expression,
    mention_id,
    reference_date,
    year,
    month
from event_mentions
where event_type = 'CONSULT' and event_mode = 'visit'
