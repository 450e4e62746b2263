"""The DuckDB warehouse: views over the lake, one SQL file per view (``warehouse/views/``)."""

from warehouse.build import VIEWS, build_warehouse, connect

__all__ = ["VIEWS", "build_warehouse", "connect"]
