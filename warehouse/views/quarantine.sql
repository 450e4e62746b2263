-- quarantine: one row per input that could not become an article, with enough to find and replay it.
create or replace view quarantine as
with

rejected as (
    select distinct on (source, raw_hash, stage, reason) *
    from raw_quarantine
    order by source, raw_hash, stage, reason, quarantined_at
)

select
    source,
    stage,
    reason,
    detail,
    quarantined_at,
    raw_hash,
    run_id
from rejected
