-- visit_counts: distinct occurred visits by visitor, host and month of the visit.
-- Counts events, not mentions: one visit reported by ten articles counts once;
-- `articles` is how many article reports stand behind those visits.
-- Counts are BIGINT (a plain sum of INTEGER would be HUGEINT, which many BI drivers reject).
create or replace view visit_counts as
with

visit_events as (
    select * from events
    where event_type = 'CONSULT' and event_mode = 'visit' and status = 'occurred'
)

select
    actor_country as visitor_country,
    recipient_country as host_country,
    cast(date_trunc('month', event_date) as date) as month,
    cast(count(*) as bigint) as visits,
    cast(sum(articles) as bigint) as articles
from visit_events
group by all
