"""Query functions for the dashboards: a module per page, plain data in, plain data out (no Dash,
no Plotly), each taking the SQLAlchemy session first.

- `common`: quarters with data, filter choices, `ProgramFilter` (agency / component / life
  experience), `Scope` (who is looking, for the services' visibility checks), pooled answer
  counts and each program's status in a quarter.
- `heatmap`: programs × A-11 drivers, a grid of cells (value, n, target, status).
- `overview`: the landing page's tiles and what changed since the quarter before.

A new page adds its own module here. Decorate a query function with `dashboards.cache.cached`
when a page calls it on every view; its arguments must then be hashable plain values.
"""
from dashboards.queries.common import (  # noqa: F401  (the names most pages need)
    ProgramFilter,
    Scope,
    agencies,
    chosen_period,
    components,
    life_experiences,
    periods_with_data,
)
