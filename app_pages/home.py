"""Home: what SynapticHub is, which pages it has, and how to train a first network.

Plain text only (no data, no TensorFlow), so it renders at once while the job runner
warms its workers in the background.
"""

import streamlit as st

from ui.pages import available_pages

st.title("SynapticHub")
st.markdown(
    "An interactive deep-learning playground: pick a dataset, build a network, press **Train** "
    "and watch it learn, live, in your browser. Every run is kept, and the address bar always "
    "holds the exact configuration, so a link reproduces the page for anyone who opens it."
)

st.subheader("Pages")
for path, title, icon in available_pages():
    if path != "app_pages/home.py":
        st.page_link(path, label=title, icon=icon)

st.subheader("How to train your first network")
st.markdown(
    """
1. Open the **Playground**.
2. Pick a dataset: images (MNIST, Fashion-MNIST, CIFAR-10), a 2-D toy set (circle, xor,
   gauss, spiral) or a table (sonar, churn). A small sample of each image set ships with the
   app, so it works offline; you can download the full set with one click.
3. Pick a model (logistic regression, a dense network, a CNN, ...) and change its layers.
4. Choose the optimizer, learning rate, batch size and epochs, then press **Train**.
5. Watch the loss and accuracy curves; press **Stop** at any time (the weights learned so far
   are kept). When training ends you get the test accuracy, the confusion matrix, the images
   the model got wrong, and the trained model as a `.keras` file.

Training runs in a separate process on the server, so the page stays responsive and other
people can train at the same time: the sidebar shows the device and the job queue.
"""
)
