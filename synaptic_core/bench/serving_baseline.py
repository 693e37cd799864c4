"""The reference the serving benchmark compares against: the smallest FastAPI + Keras server we would write.

    python -m synaptic_core.bench.serving_baseline --model PATH.keras --port 8001

One file, no store, no identity, no batching: load the model at start-up, accept
``{"inputs": [image, ...]}`` with images as (28, 28) nested lists, call the model through the
same kind of ``tf.function`` our server uses (``model.predict`` would add 40 ms and make any
comparison meaningless), answer the probabilities. Anything our server does beyond this
(looking the run up, checking rights and shapes, converting images, batching) shows up as the
difference between the two.
"""

# (no ``from __future__ import annotations``: FastAPI must see the request model class defined inside build_app)
import argparse
from typing import Any

import numpy as np


def build_app(model_path: str) -> Any:
    import keras
    import tensorflow as tf
    from fastapi import FastAPI
    from pydantic import BaseModel

    model = keras.saving.load_model(model_path, compile=False)
    shape = tuple(model.input_shape[1:])
    call = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec((None, *shape), tf.float32)])
    call(np.zeros((1, *shape), np.float32))

    class Body(BaseModel):
        inputs: list[list[list[float]]]

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/predict")
    def predict(body: Body) -> dict[str, Any]:
        x = np.asarray(body.inputs, np.float32).reshape(-1, *shape)
        probs = np.asarray(call(x))
        return {"outputs": [{"class_index": int(p.argmax()), "probabilities": p.tolist()} for p in probs]}

    return app


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    p = argparse.ArgumentParser(prog="python -m synaptic_core.bench.serving_baseline")
    p.add_argument("--model", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    args = p.parse_args(argv)
    uvicorn.run(build_app(args.model), host=args.host, port=args.port, access_log=False, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
