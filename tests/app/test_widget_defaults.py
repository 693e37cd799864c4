"""A parameter widget's default is its current value, so a browser that draws it afresh keeps it.

Streamlit sends a value set through session state to the browser once (``set_value``); when that
script run is cut short by a newer one (a busy class server) the browser can draw the widget anew
from its *default* and send that back. The 30-student load test caught the result: "epochs = 0 is
out of range" on a third of the pages (a number box's default is 0 without ``value=``).
"""

from __future__ import annotations

PAGE = "app_pages/playground.py"


def test_each_widget_defaults_to_the_value_it_shows(open_app):
    at = open_app(PAGE, dataset="circle", model="mlp", epochs="37", batch_size="24", lr="0.03", noise="0.15")
    assert not at.exception
    epochs, batch = at.number_input(key="w_epochs"), at.number_input(key="w_batch_size")
    assert (epochs.value, epochs.proto.default) == (37, 37)
    assert (batch.value, batch.proto.default) == (24, 24)
    lr = at.select_slider(key="w_lr")
    assert lr.value == 0.03 and [lr.options[int(i)] for i in lr.proto.default] == ["0.03"]
    noise = at.slider(key="w_noise")
    assert noise.value == 0.15 and list(noise.proto.default) == [0.15]
    # after a change, the default follows the new value
    at.number_input(key="w_epochs").set_value(12).run()
    assert at.number_input(key="w_epochs").proto.default == 12
