"""Text generation: a character-level model learns Shakespeare, and writes some afterwards.

While it trains, a sample of generated text appears after each epoch. Afterwards: the loss in
nats per character and the perplexity on held-out text, samples at several temperatures, and
a generator (seed text, length, temperature, and other temperatures side by side) that runs
the run's own model, loaded here only when asked.
"""

import numpy as np
import streamlit as st

from synaptic_core.specs import RunSpec
from ui import sequence_views as sv
from ui.spec_widgets import Edits

PAGE = sv.SeqPage("gen", "app_pages/text_generation.py", ("shakespeare",), ("lstm", "gru", "rnn", "transformer"),
                  {"dataset": "shakespeare"})
PRESETS = {"Seed preset (embedding 32, LSTM 128, dropout 0.2)": {
    "model": "lstm", "embed_dim": 32, "units": 128, "dropout": 0.2, "seq_len": 100, "stride": 3, "batch_size": 256,
    "validation_split": 0.1, "optimizer": "adam", "lr": 0.001}}
TEMPERATURES = (0.0, 0.2, 0.5, 0.8, 1.0, 1.2, 1.5)
GENERATED_KEY = "gen_generated"


def _widgets(spec: RunSpec, edits: Edits) -> None:
    data_tab, model_tab, train_tab = st.tabs(["Data", "Model", "Training"])
    with data_tab:
        sv.dataset_picker(PAGE, spec, edits)
        sv.param_widget(PAGE, "seq_len", spec, edits, label="Sequence length (characters the model reads)")
        sv.param_widget(PAGE, "stride", spec, edits)
        sv.param_widget(PAGE, "subset", spec, edits, label="Training windows used (0 = all)")
    with model_tab:
        model = sv.model_picker(PAGE, spec, edits)
        left, right = st.columns(2)
        with left:
            sv.param_widget(PAGE, "embed_dim", spec, edits, options=(8, 16, 32, 64, 128))
        with right:
            sv.param_widget(PAGE, "units", spec, edits, options=(16, 32, 64, 128, 256, 512),
                            label="Feed-forward units" if model == "transformer" else "Recurrent units")
        sv.param_widget(PAGE, "dropout", spec, edits)
    with train_tab:
        sv.training_widgets(PAGE, spec, edits, early_stopping=False)


def _columns(outputs: list[tuple[float, str]], key: str) -> None:
    """Samples side by side, one column per temperature."""
    from synaptic_core.viz.sequences import temperature_label

    with st.container(key=key):
        for col, (t, text) in zip(st.columns(len(outputs)), outputs):
            with col:
                st.markdown(f"**{temperature_label(t)}**")
                st.code(text, language=None, wrap_lines=True)


def _generate(run_id: str, result: dict, meta: dict) -> None:
    from synaptic_core.sequences.chars import Alphabet, generate_many

    temps = sorted({float(st.session_state["gen_temperature"]), *map(float, st.session_state["gen_compare"])})
    predict = sv.load_predictor(result["model_path"])
    texts = generate_many(predict, Alphabet(meta["alphabet"]), st.session_state["gen_seed_text"],
                          int(st.session_state["gen_length"]), temps, int(meta["seq_len"]), np.random.default_rng())
    st.session_state[GENERATED_KEY] = {"run": run_id, "outputs": list(zip(temps, texts))}


def _generator(run_id: str, result: dict) -> None:
    meta = sv.artifact_json(result.get("alphabet_path"))
    st.subheader("Generator")
    if meta is None or not result.get("model_path"):
        st.caption("This run's model or alphabet is not available any more.")
        return
    if st.session_state.get("gen_seed_for") != run_id:  # a new run: its own held-out seed text
        st.session_state["gen_seed_for"] = run_id
        st.session_state["gen_seed_text"] = meta.get("seed_text", "")
    with st.container(key="generator"):
        st.text_area("Seed text", key="gen_seed_text", height=90,
                     help="The model continues this text; characters it never saw are skipped.")
        left, right = st.columns(2)
        left.slider("Length (characters)", 20, 1000, 300, step=10, key="gen_length")
        right.slider("Temperature", 0.0, 2.0, 0.5, step=0.1, key="gen_temperature",
                     help="0 always picks the likeliest character; higher values take more risks.")
        st.multiselect("Side by side with temperatures", TEMPERATURES, default=[1.0], key="gen_compare")
        if st.button("Generate", key="generate", type="primary"):
            with st.spinner("Generating…"):
                _generate(run_id, result, meta)
    shown = st.session_state.get(GENERATED_KEY)
    if shown and shown["run"] == run_id:
        _columns(shown["outputs"], "generated")


def _results(run_id: str, status) -> None:
    from synaptic_core.viz.sequences import ordered_samples

    result, events = sv.finished(run_id, status)
    if result is None:
        return
    test = result.get("test") or {}
    val = next((h["val_loss"] for h in reversed(result.get("history") or []) if h.get("val_loss") is not None), None)
    with st.container(key="results"):
        cols = st.columns(5)
        cols[0].metric("Held-out loss (nats/char)", f"{test.get('nats_per_char', float('nan')):.3f}",
                       help="Cross-entropy on the last 10% of the text, which training never saw.")
        cols[1].metric("Perplexity", f"{test.get('perplexity', float('nan')):.2f}",
                       help="e^loss: as unsure as choosing among this many characters.")
        cols[2].metric("Validation loss (nats/char)", "—" if val is None else f"{val:.3f}")
        cols[3].metric("Next-char accuracy", f"{test.get('accuracy', float('nan')):.1%}")
        cols[4].metric("Training time", f"{result.get('train_seconds', 0):.0f} s",
                       help=f"{result.get('epochs_run', 0)} epochs")
        st.caption(result.get("source_label", ""))
        if result.get("samples"):
            st.markdown("**Samples after training**, continuing the held-out seed text")
            _columns(ordered_samples(result["samples"]), "final_samples")
        sv.curves_and_summary(events)
        sv.download(run_id, result.get("model_path"))
    _generator(run_id, result)


def _describe(run: dict) -> str:
    test = (run.get("result") or {}).get("test") or {}
    return f"{test['nats_per_char']:.3f} nats/char" if test.get("nats_per_char") is not None else "—"


st.title("Text generation")
st.caption("A character-level model reads Shakespeare a window at a time and learns to predict the next "
           "character; sampling from it, one character after another, writes new text.")
sv.page_frame(PAGE, PRESETS, _widgets, _results, _describe, live_samples=True)
