"""Small controls shared by the pages."""

import solara


@solara.component
def Labelled(label: str, children=[]):  # noqa: B006 (Solara's children signature)
    """A label above its control: a long label beside a slider squeezes its track to nothing."""
    return solara.Column(gap="0px", children=[solara.Text(label, classes=["control-label"]), *children])


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@solara.component
def Slider(label: str, value, min, max, step=1, on_value=None, integer: bool | None = None):  # noqa: A002
    """A slider with its label and current value above it; ``value`` may be a Reactive."""
    current = value.value if isinstance(value, solara.Reactive) else value
    integer = isinstance(current, int) if integer is None else integer
    with Labelled(f"{label}: {_show(current)}"):
        if integer:
            solara.SliderInt("", value=value, min=int(min), max=int(max), step=int(step), on_value=on_value)
        else:
            solara.SliderFloat("", value=value, min=min, max=max, step=step, on_value=on_value)
