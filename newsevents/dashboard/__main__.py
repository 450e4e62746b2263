"""``python -m newsevents.dashboard run app.py ...``: Streamlit's command line, with the app's modules
imported first, so that the first page after the server starts does not wait for them (~2-4 s)."""
from __future__ import annotations

from newsevents.config import apply_prefect_defaults

apply_prefect_defaults()  # warehouse.build imports prefect: no analytics, quiet logs

import altair  # noqa: E402, F401
import duckdb  # noqa: E402, F401
import pandas  # noqa: E402, F401
from streamlit.web.cli import main  # noqa: E402

from newsevents.dashboard import places, queries  # noqa: E402, F401
from warehouse import build  # noqa: E402, F401

places.capitals()
places.country_names()
main(prog_name="streamlit")
