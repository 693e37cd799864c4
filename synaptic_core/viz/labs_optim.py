"""Figures of the gradient-descent and optimizer labs: data in, ``go.Figure`` out.

* ``animated_paths``: the loss landscape with every optimizer's trajectory, as a Plotly
  animation (frames, Play/Pause buttons, a step slider) that runs in the browser with no
  rerun of the page; it opens on the finished paths and replays from step 0 on Play.
  The landscape is a banded picture (``layout.images``), not a contour trace: plotly.js
  (4.x, as bundled by Streamlit) removes every non-scatter trace of a subplot during a
  ``redraw: false`` animation, and ``redraw: true`` halves the frame rate. (Pausing, like
  any interruption of a Plotly animation, makes plotly.js reject the Play button's promise
  with no handler: a console message, nothing the user sees.)
* ``surface_3d``: the surface in 3-D with the paths lying on it.
* ``loss_per_step``: f - f* per step on a log axis, one line per optimizer.
* ``gd_loss_figure``, ``gd_paths_figure``, ``lr_sweep_figure``: batch vs mini-batch vs SGD.

Arrays sent to the browser are float32 (Plotly encodes numpy arrays as base64 typed arrays),
so an animation of 12 optimizers x 300 steps stays near a megabyte.
"""

from __future__ import annotations

import base64
import io
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from synaptic_core.labs.gd_variants import GDRun, Problem
from synaptic_core.labs.optim_paths import OptimPath
from synaptic_core.labs.surfaces import Surface
from synaptic_core.viz.style import COMPACT_MARGIN

# One fixed colour per optimizer, so a path keeps its colour when others are switched off.
OPT_COLORS = {
    "sgd": "#1f77b4", "momentum": "#ff7f0e", "nesterov": "#2ca02c", "rmsprop": "#d62728",
    "adagrad": "#9467bd", "adadelta": "#8c564b", "adam": "#e377c2", "adamw": "#17becf",
    "nadam": "#bcbd22", "adamax": "#7f7f7f", "lion": "#393b79", "ftrl": "#aa6600",
}
VARIANT_COLORS = {"batch": "#1f77b4", "mini-batch": "#2ca02c", "stochastic": "#d62728"}
VERDICT_COLORS = {"too small": "#9ecae1", "good": "#2ca02c", "too large": "#ff7f0e", "diverges": "#d62728"}
LIGHT_RGB, DARK_RGB = (247, 251, 255), (107, 143, 181)  # landscape colours: light, so paths stand out
CONTOUR_SCALE = [[0.0, "rgb(247,251,255)"], [1.0, "rgb(107,143,181)"]]
LOG_EPS = 1e-3  # log surfaces draw log10(f - f* + LOG_EPS)
GAP_FLOOR = 1e-16  # f - f* below this is drawn at this value on log axes


def _f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _decimate(params: np.ndarray, max_points: int) -> np.ndarray:
    """Every k-th update (and the last) so that at most ~max_points are drawn."""
    stride = max(1, int(np.ceil(len(params) / max_points)))
    return params[np.unique(np.r_[np.arange(0, len(params), stride), len(params) - 1])]


def _height(surface: Surface, z: np.ndarray) -> np.ndarray:
    """What the colour/height shows: f, or log10(f - f* + eps) for surfaces spanning many decades."""
    z = np.asarray(z, dtype=np.float64)
    return np.log10(np.maximum(z - surface.min_value, 0.0) + LOG_EPS) if surface.log_scale else z


def _height_title(surface: Surface) -> str:
    return "log10(f - f* + 0.001)" if surface.log_scale else "f(x, y)"


def surface_image(surface: Surface, n: int = 240, levels: int = 24) -> str:
    """The landscape as a PNG data URI: ``levels`` colour bands of the height, band edges darker
    (so it reads like filled contours), row 0 at the top (y max)."""
    _, _, z = surface.grid(n)
    h = _height(surface, z)
    lo, hi = float(h.min()), float(h.max())
    band = np.clip(((h - lo) / max(hi - lo, 1e-12) * levels).astype(int), 0, levels - 1)
    edge = np.zeros_like(band, dtype=bool)
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    light, dark = np.array(LIGHT_RGB, dtype=float), np.array(DARK_RGB, dtype=float)
    rgb = light + (dark - light) * (band[..., None] / (levels - 1))
    rgb[edge] *= 0.82
    buf = io.BytesIO()
    Image.fromarray(rgb[::-1].astype(np.uint8)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _colorbar(surface: Surface) -> go.Scatter:
    """An invisible scatter whose only job is the colour bar of the banded landscape image."""
    _, _, z = surface.grid(60)
    h = _height(surface, z)
    return go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", name="scale",
                      marker=dict(color=[float(h.min()), float(h.max())], colorscale=CONTOUR_SCALE, showscale=True,
                                  colorbar=dict(title=dict(text=_height_title(surface), side="top"), thickness=10,
                                                orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom",
                                                len=0.45)))


def _landmarks(surface: Surface, start: Sequence[float]) -> list[go.Scatter]:
    mins = np.asarray(surface.minima)
    out = [go.Scatter(x=mins[:, 0], y=mins[:, 1], mode="markers", name="minimum",
                      marker=dict(symbol="star", size=14, color="gold", line=dict(color="black", width=1))),
           go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                      marker=dict(symbol="circle-open", size=12, color="black", line=dict(width=2)))]
    if surface.saddles:
        sad = np.asarray(surface.saddles)
        out.append(go.Scatter(x=sad[:, 0], y=sad[:, 1], mode="markers", name="saddle point",
                              marker=dict(symbol="x", size=11, color="#444")))
    return out


def frame_steps(steps: int, max_frames: int) -> np.ndarray:
    """The steps shown by the animation's frames: 0, ..., steps, at most ``max_frames + 1`` of them."""
    return np.unique(np.linspace(0, steps, min(max_frames, steps) + 1).round().astype(int))


def _at(path: OptimPath, k: int, max_points: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Trail up to step k (or to where the path stopped), thinned to ``max_points``, and its head."""
    j = min(k, len(path.positions) - 1)
    trail = path.positions[: j + 1]
    if max_points and len(trail) > max_points:
        trail = _decimate(trail, max_points)
    return trail, path.positions[j], j


def animated_paths(surface: Surface, paths: Mapping[str, OptimPath], start: Sequence[float],
                   max_frames: int = 60, frame_ms: int = 70, grid: int = 240, trail_points: int = 400) -> go.Figure:
    """The landscape plus one trail and one head marker per optimizer, animated step by step.

    The figure opens on the finished paths (slider at the last step); Play replays them from
    step 0 (Plotly restarts when the current frame is the last one), Pause stops, and the slider
    jumps to any frame. Frames only touch the trail and head traces. The opening picture has every
    step; in the frames a trail longer than ``trail_points`` is thinned (every k-th step, the head
    kept exact) so that 12 optimizers x 3000 steps still make a figure of a few megabytes.
    """
    base = [_colorbar(surface), *_landmarks(surface, start)]
    names = list(paths)
    steps = max((p.steps for p in paths.values()), default=0)
    ks = frame_steps(steps, max_frames) if steps else np.array([0])

    def trails(k: int, max_points: int | None = trail_points) -> list[go.Scatter]:
        out = []
        for n in names:
            trail, _, _ = _at(paths[n], k, max_points)
            out.append(go.Scatter(x=_f32(trail[:, 0]), y=_f32(trail[:, 1])))
        return out

    def heads(k: int) -> list[go.Scatter]:
        out = []
        for n in names:
            _, head, j = _at(paths[n], k)
            out.append(go.Scatter(x=[float(head[0])], y=[float(head[1])], text=[f"{paths[n].title}, step {j}"]))
        return out

    last = int(ks[-1])
    data = [base[0]]
    for n, tr in zip(names, trails(last, None)):
        tr.update(mode="lines", name=paths[n].title, legendgroup=n, line=dict(color=OPT_COLORS[n], width=2),
                  hovertemplate=f"{paths[n].title}<br>x=%{{x:.4f}}<br>y=%{{y:.4f}}<extra></extra>")
        data.append(tr)
    for n, hd in zip(names, heads(last)):
        hd.update(mode="markers", name=paths[n].title, legendgroup=n, showlegend=False,
                  marker=dict(color=OPT_COLORS[n], size=10, line=dict(color="white", width=1)),
                  hovertemplate="%{text}<br>x=%{x:.4f}<br>y=%{y:.4f}<extra></extra>")
        data.append(hd)
    data += base[1:]  # minima, start and saddle markers on top of the paths
    moving = list(range(1, 1 + 2 * len(names)))
    frames = [go.Frame(name=str(int(k)), data=trails(int(k)) + heads(int(k)), traces=moving) for k in ks]

    still = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    play = dict(frame=dict(duration=frame_ms, redraw=False), fromcurrent=True, mode="immediate",
                transition=dict(duration=0))
    fig = go.Figure(data=data, frames=frames)
    fig.update_layout(
        title=dict(text=surface.title, x=0.01, y=0.99, yanchor="top"), height=620, margin=dict(l=50, r=20, t=70, b=10),
        xaxis=dict(title="x", range=list(surface.x_range), constrain="domain", showgrid=False, zeroline=False),
        yaxis=dict(title="y", range=list(surface.y_range), scaleanchor="x", scaleratio=1, constrain="domain",
                   showgrid=False, zeroline=False),
        images=[dict(source=surface_image(surface, grid), xref="x", yref="y", x=surface.x_range[0],
                     y=surface.y_range[1], sizex=surface.x_range[1] - surface.x_range[0],
                     sizey=surface.y_range[1] - surface.y_range[0], sizing="stretch", layer="below")],
        legend=dict(orientation="v", x=1.02, y=1.0, yanchor="top"),
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0.0, y=-0.1, xanchor="left",
                          yanchor="top", pad=dict(t=0, r=10),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], still])])],
        sliders=[dict(active=len(ks) - 1, x=0.2, len=0.8, y=-0.07, yanchor="top", pad=dict(t=0),
                      currentvalue=dict(prefix="step ", visible=True, xanchor="right"),
                      steps=[dict(label=str(int(k)), method="animate", args=[[str(int(k))], still]) for k in ks])],
    )
    return fig


def surface_3d(surface: Surface, paths: Mapping[str, OptimPath], grid: int = 60) -> go.Figure:
    """The surface as a 3-D mesh with each optimizer's path lying on it (slightly lifted)."""
    xs, ys, z = surface.grid(grid)
    h = _height(surface, z)
    lift = 0.01 * float(np.ptp(h))
    fig = go.Figure(go.Surface(x=_f32(xs), y=_f32(ys), z=_f32(h), colorscale=CONTOUR_SCALE, opacity=0.85,
                               showscale=False, name="surface", hoverinfo="skip"))
    for n, p in paths.items():
        inside = ((p.positions[:, 0] >= surface.x_range[0]) & (p.positions[:, 0] <= surface.x_range[1])
                  & (p.positions[:, 1] >= surface.y_range[0]) & (p.positions[:, 1] <= surface.y_range[1]))
        pos = np.where(inside[:, None], p.positions, np.nan)  # leave the box -> gap in the line
        fig.add_trace(go.Scatter3d(x=_f32(pos[:, 0]), y=_f32(pos[:, 1]), z=_f32(_height(surface, p.losses) + lift),
                                   mode="lines", name=p.title, line=dict(color=OPT_COLORS[n], width=5)))
    fig.update_layout(height=560, margin=dict(l=0, r=0, t=30, b=0), title=dict(text=surface.title, x=0.01),
                      scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title=_height_title(surface),
                                 camera=dict(eye=dict(x=1.4, y=-1.4, z=1.1))))
    return fig


def _oscillates(gap: np.ndarray) -> bool:
    """True when the loss goes up and down on most successive steps (log scale)."""
    d = np.diff(np.log10(np.asarray(gap, dtype=float)))
    d = d[np.isfinite(d) & (np.abs(d) > 1e-3)]
    return len(d) > 20 and float(np.mean(np.sign(d[1:]) != np.sign(d[:-1]))) > 0.5


def loss_per_step(surface: Surface, paths: Mapping[str, OptimPath], legend: bool = True,
                  height: int = 420) -> go.Figure:
    """f - f* against the step on a log axis; a circle where a path first reaches a minimum, x where it diverged."""
    fig = go.Figure()
    for n, p in paths.items():
        gap = np.maximum(p.losses - surface.min_value, GAP_FLOOR)
        # A path that oscillates every step (Lion's sign updates) drawn 2 px wide fills its band solid:
        # draw such paths thin and translucent so the others stay readable behind them.
        jumpy = _oscillates(gap)
        fig.add_trace(go.Scatter(x=np.arange(len(gap)), y=_f32(gap), mode="lines", name=p.title, legendgroup=n,
                                 line=dict(color=OPT_COLORS[n], width=0.8 if jumpy else 2),
                                 opacity=0.55 if jumpy else 1.0,
                                 hovertemplate=f"{p.title}<br>step %{{x}}<br>f - f* = %{{y:.3g}}<extra></extra>"))
        if p.steps_to_min is not None:
            fig.add_trace(go.Scatter(x=[p.steps_to_min], y=[float(gap[p.steps_to_min])], mode="markers",
                                     legendgroup=n, showlegend=False, hoverinfo="skip",
                                     marker=dict(symbol="circle-open", size=11, color=OPT_COLORS[n],
                                                 line=dict(width=2))))
        if p.diverged and len(gap):
            fig.add_trace(go.Scatter(x=[len(gap) - 1], y=[float(gap[-1])], mode="markers", legendgroup=n,
                                     showlegend=False, hoverinfo="skip",
                                     marker=dict(symbol="x", size=11, color=OPT_COLORS[n])))
    fig.update_layout(height=height, margin=COMPACT_MARGIN, title=dict(text="Loss per step", x=0.01),
                      xaxis_title="step", yaxis=dict(title="f - f* (log)", type="log", exponentformat="power"),
                      legend=dict(orientation="h", y=-0.18), showlegend=legend)
    return fig


# --- batch vs mini-batch vs stochastic -------------------------------------------------------------

def _gap(problem: Problem, losses: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(losses) - float(problem.loss(problem.optimum())), GAP_FLOOR)


def _variant_color(run: GDRun) -> str:
    return VARIANT_COLORS.get(run.label.split(" (")[0], "#444")


def gd_loss_figure(problem: Problem, runs: Mapping[str, GDRun]) -> go.Figure:
    """Three panels, one line per variant: excess loss against epochs, parameter updates and wall time."""
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.07,
                        subplot_titles=("against epochs", "against parameter updates", "against wall time"))
    for run in runs.values():
        gap = _f32(_gap(problem, run.losses))
        later = run.eval_at > 0  # log axes: the start (update 0, time 0) has no place on them
        xs = ((run.epochs_at, gap), (run.eval_at[later].astype(float), gap[later]),
              (run.times[run.eval_at][later] * 1e3, gap[later]))
        for col, (x, y) in enumerate(xs, start=1):
            fig.add_trace(go.Scatter(x=_f32(x), y=y, mode="lines", name=f"{run.label}, lr {run.lr:g}",
                                     legendgroup=run.label, showlegend=col == 1,
                                     line=dict(color=_variant_color(run), width=2)), row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power", title_text="loss - best loss (log)", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=3)
    fig.update_xaxes(title_text="epoch", row=1, col=1)
    fig.update_xaxes(title_text="updates (log)", type="log", row=1, col=2)
    fig.update_xaxes(title_text="milliseconds of update work (log)", type="log", row=1, col=3)
    fig.update_layout(height=380, margin=dict(l=60, r=20, t=40, b=45), legend=dict(orientation="h", y=-0.25))
    return fig


def gd_paths_figure(problem: Problem, runs: Mapping[str, GDRun], max_points: int = 4000, grid: int = 80) -> go.Figure:
    """The (w, b) plane: loss contours, the optimum, and each variant's path of parameter updates."""
    ws, bs, z = problem.grid(grid)
    best = problem.optimum()
    fig = go.Figure(go.Contour(x=_f32(ws), y=_f32(bs), z=_f32(np.log10(_gap(problem, z) + 1e-4)),
                               colorscale=CONTOUR_SCALE, ncontours=25, showscale=False, name="loss",
                               contours=dict(coloring="heatmap"), line=dict(width=0.5, color="#8aa"),
                               hovertemplate="w=%{x:.3f}<br>b=%{y:.3f}<extra></extra>"))
    for run in runs.values():
        pts = _decimate(run.params, max_points)
        many = len(pts) > 200
        fig.add_trace(go.Scatter(x=_f32(pts[:, 0]), y=_f32(pts[:, 1]), mode="lines" if many else "lines+markers",
                                 name=f"{run.label} ({len(run.params) - 1} updates)", opacity=0.7 if many else 1.0,
                                 line=dict(color=_variant_color(run), width=1 if many else 1.5),
                                 marker=dict(size=6, color=_variant_color(run))))
    fig.add_trace(go.Scatter(x=[best[0]], y=[best[1]], mode="markers", name="optimum",
                             marker=dict(symbol="star", size=15, color="gold", line=dict(color="black", width=1))))
    fig.update_layout(height=460, margin=COMPACT_MARGIN, title=dict(text="Paths in the (w, b) plane", x=0.01),
                      xaxis=dict(title="w (slope)", range=list(problem.w_range)),
                      yaxis=dict(title="b (intercept)", range=list(problem.b_range)),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def lr_sweep_figure(problem: Problem, sweep: Sequence[tuple[GDRun, str]]) -> go.Figure:
    """Left: excess loss per epoch for each learning rate, coloured by verdict. Right: final excess loss
    against the learning rate, with the divergence threshold 2 / lambda_max marked."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.1,
                        subplot_titles=("loss during training", "where each learning rate ends"))
    for run, verdict in sweep:
        fig.add_trace(go.Scatter(x=_f32(run.epochs_at), y=_f32(_gap(problem, run.losses)), mode="lines",
                                 name=f"lr {run.lr:g}: {verdict}", line=dict(color=VERDICT_COLORS[verdict], width=2),
                                 hovertemplate=f"lr {run.lr:g}<br>epoch %{{x:.2f}}<br>%{{y:.3g}}<extra></extra>"),
                      row=1, col=1)
    finals = [float(_gap(problem, run.losses[-1:])[0]) for run, _ in sweep]
    fig.add_trace(go.Scatter(x=[r.lr for r, _ in sweep], y=finals, mode="markers+lines", showlegend=False,
                             line=dict(color="#999", dash="dot"),
                             marker=dict(size=11, color=[VERDICT_COLORS[v] for _, v in sweep],
                                         line=dict(color="black", width=1)),
                             text=[v for _, v in sweep], hovertemplate="lr %{x:g}: %{text}<br>%{y:.3g}<extra></extra>"),
                  row=1, col=2)
    fig.add_vline(x=problem.critical_lr(), line=dict(color="#d62728", dash="dash"), row=1, col=2,
                  annotation_text="2 / λmax", annotation_position="top left")
    fig.update_yaxes(type="log", exponentformat="power", title_text="loss - best loss (log)", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    fig.update_xaxes(title_text="epoch", row=1, col=1)
    fig.update_xaxes(title_text="learning rate (log)", type="log", row=1, col=2)
    fig.update_layout(height=400, margin=dict(l=60, r=20, t=40, b=45), legend=dict(orientation="h", y=-0.22))
    return fig
