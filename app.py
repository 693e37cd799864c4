"""SynapticHub: the frame of the app: page config, navigation, and the sidebar.

Run with ``streamlit run app.py``. The pages live in ``app_pages/`` and are listed in
``ui/pages.py``; the sidebar (device panel, job queue) is drawn on every page. This file
does nothing else, and imports nothing heavy (no TensorFlow), so the first page renders fast.
"""

import streamlit as st

from synaptic_core import tf_quiet
from ui import identity
from ui.pages import available_pages
from ui.sidebar import render_sidebar

# An explicit page_icon: otherwise the favicon follows each page's Material icon, which Streamlit's
# frontend fetches from an outside font host (a failed request offline; tests/e2e/test_e2e_offline.py).
st.set_page_config(page_title="SynapticHub", page_icon="🧠", layout="wide")
tf_quiet.install()  # when a page first imports TensorFlow in this process: no CUDA/oneDNN chatter in the log
identity.remember()  # whose runs are whose: the owner token this browser keeps (ui/identity.py)
page = st.navigation([st.Page(path, title=title, icon=icon, default=(i == 0))
                      for i, (path, title, icon) in enumerate(available_pages())])
render_sidebar()
page.run()
