"""Sentiment: train a word-level model on movie reviews, then ask it about a review of your own.

Widgets -> RunSpec -> runner -> figures, as on the playground, with the spec and the run in the
URL. Afterwards: test accuracy, confusion matrix, ROC and AUC, and a box where a typed review
gets its sentiment and the words that pushed it (leave-one-word-out contributions), computed
with the run's own model and vocabulary, loaded here only when asked.
"""

import streamlit as st

from synaptic_core.specs import RunSpec
from ui import live, results
from ui import sequence_views as sv
from ui.services import get_runner
from ui.spec_widgets import Edits

MODELS = ("rnn", "lstm", "gru", "bilstm", "bigru", "conv1d", "transformer")
PAGE = sv.SeqPage("sent", "app_pages/sentiment.py", ("imdb", "rt-polarity", "sentences"), MODELS,
                  {"dataset": "imdb", "subset": 0})
# Measured in docs/BENCHMARKS.md ("Sequences") on the 25,000 IMDB test reviews.
PRESETS = {
    "IMDB ≥ 88% preset (1-D CNN, 20k words, 400 per review)": {
        "dataset": "imdb", "model": "conv1d", "vocab_size": 20000, "seq_len": 400, "embed_dim": 128, "units": 256,
        "kernel": 3, "dropout": 0.5, "epochs": 4, "early_stopping": 1, "batch_size": 64, "validation_split": 0.1,
        "subset": 0, "optimizer": "adam", "lr": 0.001},
}
EXPLAIN_KEY = "sent_explained"


def _architecture(spec: RunSpec, model: str, edits: Edits) -> None:
    left, right = st.columns(2)
    with left:
        sv.param_widget(PAGE, "embed_dim", spec, edits, options=(8, 16, 32, 64, 128, 256))
        if model == "conv1d":
            sv.param_widget(PAGE, "kernel", spec, edits, label="Kernel (words)", options=tuple(range(1, 12)))
    with right:
        label = {"conv1d": "Filters", "transformer": "Feed-forward units"}.get(model, "Recurrent units")
        sv.param_widget(PAGE, "units", spec, edits, label=label, options=(4, 8, 16, 32, 64, 128, 256))
    sv.param_widget(PAGE, "dropout", spec, edits)


def _explain(run_id: str, result: dict, text: str) -> None:
    from synaptic_core.sequences.explain import word_contributions
    from synaptic_core.sequences.text import Vocabulary

    vocab = sv.artifact_json(result.get("vocab_path"))
    try:
        predict = sv.load_predictor(result["model_path"])
        prob, contributions = word_contributions(predict, Vocabulary(tuple(vocab["words"])), text, vocab["seq_len"])
    except ValueError as exc:  # no words in the text
        st.session_state[EXPLAIN_KEY] = {"run": run_id, "text": text, "error": str(exc)}
        return
    st.session_state[EXPLAIN_KEY] = {"run": run_id, "text": text, "prob": prob, "contributions": contributions}


def _review_box(run_id: str, result: dict) -> None:
    """Type a review, get the sentiment and the words that pushed it."""
    from synaptic_core.viz.sequences import contributions_figure, contributions_html

    st.subheader("Try a review")
    if sv.artifact_json(result.get("vocab_path")) is None or not result.get("model_path"):
        st.caption("This run's model or vocabulary is not available any more.")
        return
    names = list(result.get("class_names") or ["negative", "positive"])
    with st.container(key="review"):
        text = st.text_area("Your review", key="sent_review_text", height=110,
                            placeholder="A gripping story with wonderful acting, though the ending drags.")
        if st.button("Predict sentiment", key="review_predict", disabled=not text.strip()):
            with st.spinner("Asking the model…"):
                _explain(run_id, result, text)
    shown = st.session_state.get(EXPLAIN_KEY)
    if not shown or shown["run"] != run_id or shown["text"] != text:
        return
    with st.container(key="review_result"):
        if "error" in shown:
            st.warning(shown["error"])
            return
        prob = shown["prob"]
        label = names[1] if prob >= 0.5 else names[0]
        st.markdown(f"**{label.capitalize()}** — P({names[1]}) = {prob:.1%}")
        st.caption(f"Green words pushed towards {names[1]}, red towards {names[0]}: each word's colour is how "
                   "much P(positive) drops when it is left out (hover a word for the number).")
        st.markdown(contributions_html(shown["contributions"], names), unsafe_allow_html=True)
        st.plotly_chart(contributions_figure(shown["contributions"]), key="review_words_chart", width="stretch")


def _results(run_id: str, status) -> None:
    runner = get_runner()
    result = runner.result(run_id)
    st.subheader(f"Run {run_id}: {status.state}")
    results.results_view(run_id, status, result, live.fetch_events(runner, run_id))
    if result is None:
        return
    if roc := result.get("roc"):
        from synaptic_core.viz.sequences import roc_figure

        with st.container(key="roc"):
            st.plotly_chart(roc_figure(roc["fpr"], roc["tpr"], roc["auc"]), key="roc_chart", width="stretch")
    _review_box(run_id, result)


def _describe(run: dict) -> str:
    test = (run.get("result") or {}).get("test") or {}
    return f"test accuracy {test['accuracy']:.1%}" if test.get("accuracy") is not None else "—"


def _widgets(spec: RunSpec, edits: Edits) -> None:
    data_tab, model_tab, train_tab = st.tabs(["Data", "Model", "Training"])
    with data_tab:
        sv.dataset_picker(PAGE, spec, edits)
        sv.param_widget(PAGE, "vocab_size", spec, edits, options=(1000, 2000, 4000, 5000, 10000, 20000, 50000))
        sv.param_widget(PAGE, "seq_len", spec, edits, label="Words per review (longer ones keep their end)")
        sv.param_widget(PAGE, "subset", spec, edits)
    with model_tab:
        model = sv.model_picker(PAGE, spec, edits)
        _architecture(spec, model, edits)
    with train_tab:
        sv.training_widgets(PAGE, spec, edits)


st.title("Sentiment")
st.caption("Movie reviews and short sentences labelled positive or negative: a word-level model reads "
           "the text and predicts its sentiment.")
sv.page_frame(PAGE, PRESETS, _widgets, _results, _describe)
