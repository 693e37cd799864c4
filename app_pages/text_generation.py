"""Text generation: a character-level model learns Shakespeare, and writes some afterwards.

While it trains, a sample of generated text appears after each epoch. Afterwards: the loss in
nats per character and the perplexity on held-out text, samples at several temperatures, and
a generator (start text, length, temperature, and other temperatures side by side) that runs
the run's own model, loaded here only when asked. Before any run, the generator runs the
model shipped in assets/models (``synaptic_core.sequences.shipped``), and after one it can
run either, so a student compares a minute of training with half an hour.
"""

import numpy as np
import streamlit as st

from synaptic_core.sequences.shipped import TITLE as SHIPPED_TITLE
from synaptic_core.sequences.shipped import shipped_char_model
from synaptic_core.text_safety import md_escape
from ui import data_widgets, export_view, results, trained_model
from ui.controller import Form, TrainPage, run_page

PAGE = TrainPage("gen", "app_pages/text_generation.py", tasks=("chars",), models=("lstm", "gru", "rnn", "char-rnn", "transformer"),
                 default={"dataset": "shakespeare"},
                 train_params=("optimizer", "lr", "batch_size", "epochs", "validation_split", "seed"),
                 labels={"seq_len": "Sequence length (characters the model reads)",
                         "subset": "Training windows used (0 = all)"},
                 options={"embed_dim": (8, 16, 32, 64, 128), "units": (16, 32, 64, 128, 256, 512)})
# Karpathy's char-rnn shape, as in the Keras text-generation tutorial this page grew from.
PRESETS = {"Classic char-RNN (embedding 32, LSTM 128, dropout 0.2)": {
    "model": "lstm", "embed_dim": 32, "units": 128, "dropout": 0.2, "seq_len": 100, "stride": 3, "batch_size": 256,
    "subset": 10000, "epochs": 3, "validation_split": 0.1, "optimizer": "adam", "lr": 0.001}}
TEMPERATURES = (0.0, 0.2, 0.5, 0.8, 1.0, 1.2, 1.5)
GENERATED_KEY = "gen_generated"


def _widgets(form: Form) -> None:
    data_widgets.tabs(form, ("seq_len", "stride", "subset"))


def _samples(events: list[dict]) -> None:
    """The text generated after each epoch (``sample`` events), newest first, in the live view."""
    samples = [e for e in events if e.get("type") == "sample"]
    with st.container(key="live_samples"):
        if not samples:
            st.caption("A generated sample appears here after each epoch.")
            return
        last = samples[-1]
        st.markdown(f"**Sample after epoch {int(last['epoch']) + 1}** (temperature {last.get('temperature', 0):g}, "
                    f"continuing a passage of held-out text)")
        st.code(last.get("text", ""), language=None, wrap_lines=True)
        if len(samples) > 1:
            with st.expander("Earlier samples"):
                for e in reversed(samples[:-1]):
                    st.caption(f"Epoch {int(e['epoch']) + 1}")
                    st.code(e.get("text", ""), language=None, wrap_lines=True)


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
    predict = trained_model.load_predictor(result["model_path"])
    texts = generate_many(predict, Alphabet(meta["alphabet"]), st.session_state["gen_seed_text"],
                          int(st.session_state["gen_length"]), temps, int(meta["seq_len"]), np.random.default_rng())
    st.session_state[GENERATED_KEY] = {"run": run_id, "outputs": list(zip(temps, texts))}


def _pick_model(run_id: str, result: dict) -> tuple[str, dict]:
    """The run's own model, or the shipped one (radio shown when both exist): (key, result-like dict)."""
    shipped = shipped_char_model()
    if shipped is None or run_id == "shipped":
        return run_id, result
    which = st.radio("Generate with", ("This run's model", SHIPPED_TITLE), horizontal=True, key="gen_which",
                     help="The shipped model was trained by the same code for ~30 minutes (docs/BENCHMARKS.md).")
    return ("shipped", shipped.as_result()) if which == SHIPPED_TITLE else (run_id, result)


def _generator(run_id: str, result: dict) -> None:
    st.subheader("Generator")
    run_id, result = _pick_model(run_id, result)
    meta = trained_model.artifact_json(result.get("alphabet_path"))
    if meta is None or not result.get("model_path"):
        st.caption("This run's model or alphabet is not available any more.")
        return
    if st.session_state.get("gen_seed_for") != run_id:  # a new run: its own held-out seed text
        st.session_state["gen_seed_for"] = run_id
        st.session_state["gen_seed_text"] = meta.get("seed_text", "")
    with st.container(key="generator"):
        st.text_area("Start text", key="gen_seed_text", height=90,
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


def _shipped_preview(spec) -> None:
    """Before any run: the shipped model generates at once."""
    shipped = shipped_char_model()
    if shipped is None:
        return
    nats = shipped.nats_per_char
    st.caption(f"{SHIPPED_TITLE}: {nats:.2f} nats per character on the held-out last 10% of the text. "
               "Train your own on the left and compare them." if nats is not None else SHIPPED_TITLE)
    _generator("shipped", shipped.as_result())


def _results(run_id: str, status) -> None:
    from synaptic_core.viz.sequences import ordered_samples

    result, events = results.finished(run_id, status)
    if result is None:
        return
    test = result.get("test") or {}
    val = next((h["val_loss"] for h in reversed(result.get("history") or []) if h.get("val_loss") is not None), None)
    with st.container(key="results"):
        # Short labels, three to a row: a long label in a narrow column is cut off ("Held-out l…").
        top, bottom = st.columns(3), st.columns(3)
        top[0].metric("Held-out loss", f"{test.get('nats_per_char', float('nan')):.3f}",
                      help="Nats per character: the cross-entropy on the last 10% of the text, which training "
                           "never saw. Lower is better.")
        top[1].metric("Perplexity", f"{test.get('perplexity', float('nan')):.2f}",
                      help="e^loss: the model is as unsure as if it chose among this many characters.")
        top[2].metric("Accuracy", f"{test.get('accuracy', float('nan')):.1%}",
                      help="Next-character accuracy on the held-out text: how often the likeliest next "
                           "character is the right one.")
        bottom[0].metric("Validation loss", "—" if val is None else f"{val:.3f}",
                         help="Nats per character on the validation split, after the last epoch.")
        bottom[1].metric("Training time", f"{result.get('train_seconds', 0):.0f} s",
                         help=f"{result.get('epochs_run', 0)} epochs")
        st.caption("Losses in nats per character (natural log). " + md_escape(result.get("source_label", "")))
        if result.get("samples"):
            st.markdown("**Samples after training**, each continuing the same passage of held-out text")
            _columns(ordered_samples(result["samples"]), "final_samples")
        results.curves(events)
        results.model_summary(events)
        export_view.model_download(run_id, result.get("model_path"))
    _generator(run_id, result)


def _describe(run: dict) -> str:
    test = (run.get("result") or {}).get("test") or {}
    return f"{test['nats_per_char']:.3f} nats/char" if test.get("nats_per_char") is not None else "—"


st.title("Text generation")
st.caption("A character-level model reads Shakespeare a window at a time and learns to predict the next "
           "character; sampling from it, one character after another, writes new text.")
run_page(PAGE, _widgets, results_view=_results, describe=_describe, presets=PRESETS, live_extra=_samples,
         preview=_shipped_preview)
