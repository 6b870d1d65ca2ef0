"""Serve a logged ofsted_nlp model over HTTP: MLflow's scoring server, guarded.

    python -m ofsted_nlp.serving -m models:/ofsted-nlp-finding/1 --host 127.0.0.1 --port 5001

The endpoints are MLflow's own (``/invocations``, ``/ping``, ``/health``, ``/version``: the same
requests and answers as ``mlflow models serve``), with three guards in front:

- a request body over ``max_body_bytes`` (default 1 MB) is answered 413 before it is parsed;
- an error answer (4xx/5xx) carries ``error_code`` and a message cut to ``max_message_chars``,
  never the server's stack trace and never the whole payload echoed back;
- uvicorn runs inside this Python process, so no ``uvicorn`` executable has to be on ``PATH``
  (``mlflow models serve --env-manager local`` starts one by name, and fails with
  ``uvicorn: not found`` when the virtual environment's ``bin`` is not on ``PATH``).

The model itself (``ofsted_nlp.mlflow_model``) refuses empty sentences, sentences over
``MAX_SENTENCE_CHARS`` characters and requests over ``MAX_ROWS`` sentences with a 400.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_MAX_MESSAGE_CHARS = 500
# A body over the limit but under this is read and dropped before the 413 (see GuardedApp).
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
MODEL_URI_ENV = "OFSTED_NLP_SERVE_MODEL_URI"
MAX_BODY_ENV = "OFSTED_NLP_SERVE_MAX_BODY_BYTES"


class GuardedApp:
    """ASGI middleware: caps request bodies and cleans error answers (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_message_chars = max_message_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared_header = dict(scope.get("headers") or []).get(b"content-length")
        declared = int(declared_header) if declared_header and declared_header.strip().isdigit() else None
        if declared is not None and declared > self.max_body_bytes:
            # Read (and drop) a moderately large body first: most clients only read the answer once
            # they have sent everything, and see a reset connection otherwise.
            if declared <= DRAIN_LIMIT_BYTES:
                await self._drain(receive)
            await self._refuse_too_large(send, declared)
            return
        # Read the body here (it is at most max_body_bytes), then hand it on in one piece.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                if message.get("more_body", False):
                    await self._drain(receive)
                await self._refuse_too_large(send, None)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, self._cleaning_sender(send))

    def _cleaning_sender(self, send: Send) -> Send:
        start: Message | None = None
        parts: list[bytes] = []

        async def cleaning_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] < 400:
                    await send(message)
                    return
                start = dict(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status, body = self._clean_error(start["status"], b"".join(parts))
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() not in (b"content-length", b"content-type")]
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return cleaning_send

    def _clean_error(self, status: int, body: bytes) -> tuple[int, bytes]:
        """The error JSON with the stack trace dropped and the message cut; plain text becomes JSON."""
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict):
            payload = {"error_code": _error_code(status), "message": body.decode("utf-8", "replace")}
        payload.pop("stack_trace", None)
        message = str(payload.get("message", ""))
        if status >= 500:
            # An internal failure: say so without details a client cannot act on.
            message = "internal error while scoring the request; see the server log"
        elif len(message) > self.max_message_chars:
            message = message[: self.max_message_chars] + f"... [{len(message) - self.max_message_chars:,} more characters]"
        cleaned = {"error_code": payload.get("error_code") or _error_code(status), "message": message}
        return status, json.dumps(cleaned).encode()

    @staticmethod
    async def _drain(receive: Receive) -> None:
        drained = 0
        while drained <= DRAIN_LIMIT_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _refuse_too_large(self, send: Send, declared: int | None) -> None:
        size = f"{declared:,} bytes" if declared is not None else "more"
        body = json.dumps({
            "error_code": "REQUEST_TOO_LARGE",
            "message": f"request body of {size} is over the limit of {self.max_body_bytes:,} bytes; "
                       "send fewer sentences per request",
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _error_code(status: int) -> str:
    return {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE",
            415: "UNSUPPORTED_MEDIA_TYPE", 504: "TIMEOUT"}.get(status, "INTERNAL_ERROR" if status >= 500
                                                               else "BAD_REQUEST")


def build_app(model_uri: str, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
              max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> GuardedApp:
    """MLflow's scoring app for ``model_uri`` (loaded once), wrapped in GuardedApp."""
    import tempfile

    import mlflow
    from mlflow.pyfunc import scoring_server

    from .errors import ModelLoadError
    from .loading import OUR_MODEL_CODE, refuse_foreign_mlflow_model

    # Fetch first and check that it is an ofsted_nlp model logged from code: MLflow would otherwise
    # unpickle any other pyfunc's python_model while loading it.
    local = mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=tempfile.mkdtemp(prefix="ofsted_nlp_serve_"))
    refuse_foreign_mlflow_model(Path(local), model_uri)
    # MLflow runs the model's code file when loading it: serve only our own code, byte for byte.
    code = Path(local) / OUR_MODEL_CODE.name
    if not code.is_file() or code.read_bytes() != OUR_MODEL_CODE.read_bytes():
        raise ModelLoadError(f"{model_uri!r} was logged by another version of ofsted_nlp (its {OUR_MODEL_CODE.name} "
                             "differs from this one's); log it again with tracking.log_finding_model to serve it")
    model = scoring_server.load_model_with_mlflow_config(local)
    return GuardedApp(scoring_server.init(model), max_body_bytes, max_message_chars)


def app_from_environment() -> GuardedApp:
    """The app for uvicorn's ``--factory`` (one per worker process): model URI from the environment."""
    uri = os.environ.get(MODEL_URI_ENV)
    if not uri:
        raise RuntimeError(f"set {MODEL_URI_ENV} to the model URI to serve")
    return build_app(uri, int(os.environ.get(MAX_BODY_ENV, DEFAULT_MAX_BODY_BYTES)))


def main(argv: list[str] | None = None) -> int:
    """``python -m ofsted_nlp.serving``: serve a logged model with uvicorn in this process."""
    parser = argparse.ArgumentParser(prog="python -m ofsted_nlp.serving", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--model-uri", required=True,
                        help="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/ID/model or a local model folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (each loads the model)")
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    import uvicorn

    os.environ[MODEL_URI_ENV] = args.model_uri
    os.environ[MAX_BODY_ENV] = str(args.max_body_bytes)
    uvicorn.run("ofsted_nlp.serving:app_from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
