"""``python -m newsevents.dashboard run app.py ...``: Streamlit's command line, with the app's modules
imported first, so that the first page after the server starts does not wait for them (~2-4 s)."""
from __future__ import annotations

import altair  # noqa: F401
import duckdb  # noqa: F401
import pandas  # noqa: F401
from streamlit.web.cli import main

from newsevents.dashboard import places, queries  # noqa: F401
from warehouse import build  # noqa: F401

places.capitals()
places.country_names()
main(prog_name="streamlit")
