"""moto in server mode, for local mode and the tests, with two additions moto lacks.

1. State that survives a restart (``--state FILE``): every backend moto holds (the
   organisation, Identity Center, CloudFormation, the project's DynamoDB table...) is
   pickled to FILE when the server stops, and every few seconds after a change, and loaded
   from it at start. Writes go to a temporary file that replaces FILE atomically.
2. It never outlives its parent: standard input is a pipe from the process that started
   it, and end-of-file (the parent exited, even by SIGKILL) stops it as SIGTERM does, so no
   emulator is left holding its port.

Usage: python moto_server.py --host 127.0.0.1 --port 5000 [--state FILE]
"""

import argparse
import os
import pickle
import signal
import sys
import threading

from moto.backends import get_backend, list_of_moto_modules
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

SAVE_EVERY_SECONDS = 3.0

# One lock orders requests and snapshots: a snapshot never sees half of a request's changes.
state_lock = threading.Lock()
dirty = threading.Event()
stop_requested = threading.Event()


def loaded_backends():
    """The backends moto has instantiated so far, by service name."""
    found = {}
    for name in list_of_moto_modules():
        if f"moto.{name}.models" not in sys.modules:
            continue
        try:
            backend = get_backend(name)
        except Exception:  # noqa: BLE001 - a module without a backend dict is simply not state
            continue
        if len(backend) > 0:
            found[name] = backend
    return found


def snapshot():
    """Plain nested dicts of backend objects, pickled in one go so shared references stay shared."""
    return {
        name: {account: dict(regions) for account, regions in backend.items()}
        for name, backend in loaded_backends().items()
    }


def save(path):
    with state_lock:
        data = pickle.dumps(snapshot(), protocol=pickle.HIGHEST_PROTOCOL)
        dirty.clear()
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load(path):
    with open(path, "rb") as handle:
        saved = pickle.load(handle)
    for name, accounts in saved.items():
        backend = get_backend(name)
        for account, regions in accounts.items():
            per_account = backend[account]
            for region, value in regions.items():
                dict.__setitem__(per_account, region, value)


class Serialised:
    """WSGI middleware: one request at a time holds the state lock, and marks the state dirty."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with state_lock:
            body = self.app(environ, start_response)
            chunks = list(body)
            if hasattr(body, "close"):
                body.close()
        if not environ.get("PATH_INFO", "").startswith("/moto-api/"):
            dirty.set()
        return chunks


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        stop_requested.set()


def periodic_save(path):
    while not stop_requested.wait(SAVE_EVERY_SECONDS):
        if dirty.is_set():
            save(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state")
    args = parser.parse_args()

    resumed = False
    if args.state and os.path.exists(args.state):
        try:
            load(args.state)
            resumed = True
        except Exception as error:  # noqa: BLE001 - an unreadable state must not stop local mode
            aside = f"{args.state}.unreadable"
            os.replace(args.state, aside)
            print(f"moto_server: state could not be loaded ({error}); kept as {aside}", file=sys.stderr)

    app = Serialised(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_requested.set())
    threading.Thread(target=watch_stdin, daemon=True).start()
    if args.state:
        threading.Thread(target=periodic_save, args=(args.state,), daemon=True).start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"moto_server: listening resumed={'yes' if resumed else 'no'}", flush=True)

    # A timed wait, so the main thread wakes up for the signal handlers.
    while not stop_requested.wait(0.5):
        pass
    server.shutdown()
    if args.state:
        save(args.state)
    os._exit(0)


if __name__ == "__main__":
    main()
