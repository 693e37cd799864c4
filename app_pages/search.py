"""Search: vary a few hyperparameters of the Playground's setup and let Optuna run the trials.

The engine is ``synaptic_core.search`` (studies driven by the server's ``StudyManager``; trials
are ordinary runs in the job runner); this page only sets a study up and watches it
(``ui/search_view.py``). The study id goes in the URL (``?study=<id>``): the study keeps running
when the page closes, and the link shows it again, to anyone (only its owner may stop it).
"""

import streamlit as st

from synaptic_core.text_safety import md_escape
from ui import search_view

st.title("Hyperparameter search")
search_view.show_error()
study_id = st.query_params.get("study")
if study_id:
    if st.button("New search", key="search_new"):
        del st.query_params["study"]
        st.rerun()
    search_view.study_view(study_id)
    st.stop()

st.write("Pick the settings to vary; each trial is an ordinary training run (see it on the Runs page). "
         "Hopeless trials are stopped early by the pruner, and only validation data chooses the best.")
search_view.my_studies()
spec, messages = search_view.base_spec()
for message in messages:
    st.warning(md_escape(message))
settings = search_view.setup(spec)
if st.button("Start search", key="search_start", type="primary", disabled=settings is None) and settings:
    new_id = search_view.start(settings)
    if new_id:
        st.query_params.from_dict({"study": new_id})
        st.rerun()
