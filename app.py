"""collabsim's web app (``solara run app.py``): a live view of a footprint for anyone,
a workshop mode for trainers, and a compare mode for policy teams.

Pages: ``/`` live footprint, ``/workshop`` workshop mode, ``/compare`` compare regimes.
It listens on localhost unless told otherwise; see the README's "Web app" section before
serving it to a room.
"""

import solara

from webapp.compare_page import ComparePage
from webapp.live import LivePage
from webapp.serving import warn_if_exposed
from webapp.style import CSS
from webapp.workshop import WorkshopPage

warn_if_exposed()
NHS_BLUE = "#005EB8"


@solara.component
def Layout(children=[]):  # noqa: B006 (Solara's layout signature)
    """Solara's app layout, with the three modes as named tabs in the app bar."""
    current, pages = solara.use_route()
    router = solara.use_router()
    solara.Style(CSS)
    tabs = solara.lab.Tabs(value=pages.index(current) if current in pages else 0, align="center",
                           on_value=lambda i: router.push("/" if pages[i].path == "/" else f"/{pages[i].path}"),
                           children=[solara.lab.Tab(page.label) for page in pages])
    solara.AppLayout(children=[solara.AppBar(children=[tabs]), *children], title="collabsim", color=NHS_BLUE)


routes = [
    solara.Route(path="/", component=LivePage, label="Live footprint", layout=Layout),
    solara.Route(path="workshop", component=WorkshopPage, label="Workshop"),
    solara.Route(path="compare", component=ComparePage, label="Compare regimes"),
]
