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


def test_pickers_and_data_widgets_default_to_their_values(open_app):
    at = open_app(PAGE, dataset="fashion-mnist", model="cnn", subset="1234", classes="1,3")
    assert not at.exception
    dataset, model = at.selectbox(key="w_dataset"), at.selectbox(key="w_model")
    assert dataset.value == "fashion-mnist" and dataset.options[dataset.proto.default] == dataset.format_func("fashion-mnist")
    assert model.value == "cnn" and model.options[model.proto.default] == model.format_func("cnn")
    subset = at.slider(key="w_subset")
    assert subset.value == 1234 and list(subset.proto.default) == [1234]
    classes = at.multiselect(key="w_classes")
    assert list(classes.value) == [1, 3] and sorted(int(i) for i in classes.proto.default) == [1, 3]
