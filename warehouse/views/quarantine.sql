-- quarantine: one row per input that could not become an article, with enough to find and replay it.
create or replace view quarantine as
select
    source,
    stage,
    reason,
    detail,
    quarantined_at,
    raw_hash,
    run_id
from raw_quarantine
