"""Solara app for workshops and policy teams (``solara run app.py``).

Placeholder page until the app issue lands: it runs the baseline and shows its outcomes.
"""

import solara

from sim.config import validate
from sim.model import CollabModel
from sim.output import model_table


@solara.component
def Page():
    steps, set_steps = solara.use_state(60)
    solara.Markdown("# collabsim")
    solara.SliderInt("Months", value=steps, on_value=set_steps, min=12, max=240)
    model = CollabModel(validate({"experiment": {"steps": steps}}))
    model.run()
    solara.DataFrame(model_table(model)[["step", "cooperation", "mean_trust", "system_balance"]].tail(12))
