"""Pipeline stages as plain functions, each with a thin Prefect task on top.

A stage's folder or module says what it does: discover/ingest (raw inputs -> records),
normalise (records -> articles), extract (articles -> event mentions), publish (tables
-> Parquet in the lake), cluster (mentions -> events), and the warehouse (views).
"""

from newsevents.config import apply_prefect_defaults

apply_prefect_defaults()  # before any stage imports prefect
