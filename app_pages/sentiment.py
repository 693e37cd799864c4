"""Sentiment: train a word-level model on movie reviews, then ask it about a review of your own.

Widgets -> RunSpec -> runner -> figures, as on the playground, with the spec and the run in the
URL. Afterwards: test accuracy, confusion matrix, ROC and AUC, and a box where a typed review
gets its sentiment and the words that pushed it (leave-one-word-out contributions), computed
with the run's own model and vocabulary, loaded here only when asked.
"""

import streamlit as st

from synaptic_core.text_safety import md_escape
from ui import data_widgets, results, trained_model
from ui.controller import Form, TrainPage, run_page

MODELS = ("rnn", "lstm", "gru", "bilstm", "bigru", "conv1d", "transformer")
PAGE = TrainPage("sent", "app_pages/sentiment.py", tasks=("text",), models=MODELS,
                 default={"dataset": "imdb"},
                 labels={"seq_len": "Words per review (longer ones keep their end)"},
                 options={"vocab_size": (1000, 2000, 4000, 5000, 10000, 20000, 50000),
                          "embed_dim": (8, 16, 32, 64, 128, 256), "units": (4, 8, 16, 32, 64, 128, 256)})
# Measured in docs/BENCHMARKS.md ("Sequences") on the 25,000 IMDB test reviews.
PRESETS = {
    "IMDB ≥ 88% preset (1-D CNN, 20k words, 400 per review)": {
        "dataset": "imdb", "model": "conv1d", "vocab_size": 20000, "seq_len": 400, "embed_dim": 128, "units": 256,
        "kernel": 3, "dropout": 0.5, "epochs": 4, "early_stopping": 1, "batch_size": 64, "validation_split": 0.1,
        "subset": 0, "optimizer": "adam", "lr": 0.001},
}
EXPLAIN_KEY = "sent_explained"


def _explain(run_id: str, result: dict, text: str) -> None:
    from synaptic_core.sequences.explain import word_contributions
    from synaptic_core.sequences.text import Vocabulary

    vocab = trained_model.artifact_json(result.get("vocab_path"))
    try:
        predict = trained_model.load_predictor(result["model_path"])
        prob, contributions = word_contributions(predict, Vocabulary(tuple(vocab["words"])), text, vocab["seq_len"])
    except ValueError as exc:  # no words in the text
        st.session_state[EXPLAIN_KEY] = {"run": run_id, "text": text, "error": str(exc)}
        return
    st.session_state[EXPLAIN_KEY] = {"run": run_id, "text": text, "prob": prob, "contributions": contributions}


def _review_box(run_id: str, result: dict) -> None:
    """Type a review, get the sentiment and the words that pushed it."""
    from synaptic_core.viz.sequences import contributions_figure, contributions_html

    st.subheader("Try a review")
    if trained_model.artifact_json(result.get("vocab_path")) is None or not result.get("model_path"):
        st.caption("This run's model or vocabulary is not available any more.")
        return
    names = list(result.get("class_names") or ["negative", "positive"])
    # A form: the text and the click reach the script together, so one click predicts. (A bare
    # text area commits its text on blur; a button disabled until then needed a second click.)
    with st.container(key="review"), st.form("review_form", border=False):
        text = st.text_area("Your review", key="sent_review_text", height=110,
                            placeholder="A gripping story with wonderful acting, though the ending drags.")
        if st.form_submit_button("Predict sentiment", key="review_predict"):
            if text.strip():
                with st.spinner("Asking the model…"):
                    _explain(run_id, result, text)
            else:
                st.warning("Type a review first, then press Predict sentiment.")
    shown = st.session_state.get(EXPLAIN_KEY)
    if not shown or shown["run"] != run_id or shown["text"] != text:
        return
    with st.container(key="review_result"):
        if "error" in shown:
            st.warning(md_escape(shown["error"]))
            return
        prob = shown["prob"]
        label = names[1] if prob >= 0.5 else names[0]
        st.markdown(f"**{label.capitalize()}** — P({names[1]}) = {prob:.1%}")
        st.caption(f"Green words pushed towards {names[1]}, red towards {names[0]}: each word's colour is how "
                   "much P(positive) drops when it is left out (hover a word for the number).")
        st.markdown(contributions_html(shown["contributions"], names), unsafe_allow_html=True)
        st.plotly_chart(contributions_figure(shown["contributions"]), key="review_words_chart", width="stretch")


def _results(run_id: str, status) -> None:
    result, events = results.finished(run_id, status)
    if result is None:
        return
    results.classification(run_id, result, events)
    if roc := result.get("roc"):
        from synaptic_core.viz.sequences import roc_figure

        with st.container(key="roc"):
            st.plotly_chart(roc_figure(roc["fpr"], roc["tpr"], roc["auc"]), key="roc_chart", width="stretch")
    _review_box(run_id, result)


def _widgets(form: Form) -> None:
    data_widgets.tabs(form, ("vocab_size", "seq_len", "subset"))


st.title("Sentiment")
st.caption("Movie reviews and short sentences labelled positive or negative: a word-level model reads "
           "the text and predicts its sentiment.")
run_page(PAGE, _widgets, results_view=_results, presets=PRESETS)
