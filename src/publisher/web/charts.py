"""The Metrics page's charts: the reports module's ECharts definitions (`reports/echarts.py`), the same
ones the exported HTML reports draw."""

from __future__ import annotations

from publisher.reports.echarts import LIBRARY, ChartSpec, heat, specs, top, trend

__all__ = ["LIBRARY", "ChartSpec", "heat", "specs", "top", "trend"]
