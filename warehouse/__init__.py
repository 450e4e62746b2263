"""The DuckDB warehouse: views over the lake, one SQL file per view (``warehouse/views/``)."""

from newsevents.config import apply_prefect_defaults

apply_prefect_defaults()  # before any module here imports prefect

from warehouse.build import VIEWS, build_warehouse, connect

__all__ = ["VIEWS", "build_warehouse", "connect"]
