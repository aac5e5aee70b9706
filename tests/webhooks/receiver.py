"""A webhook receiver for tests: a threaded stdlib HTTP server on 127.0.0.1 that records
every request and answers what ``respond`` says (by default 204). ``hold`` makes it keep
requests open until released."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    respond: Callable[[Received], Answer] = lambda r: (204, {}, b"")
    #: While cleared, requests wait (in flight) until it is set.
    released: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]

    def wait_for(self, check: Callable[[], bool], timeout: float = 120) -> None:
        """Wait (real time, for real processes only) until ``check()`` holds."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.05)


@contextmanager
def receiving(path: str = "/hook") -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            me = state["r"]
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request (kill -9): not a delivery
                self.close_connection = True
                return
            got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with me.lock:
                me.in_flight += 1
            me.released.wait()
            try:
                status, headers, answer = me.respond(got)
            finally:
                with me.lock:
                    me.in_flight -= 1
                    me.received.append(got)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 1024  # many dispatchers connect at once

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}{path}")
    receiver.released.set()
    state["r"] = receiver
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
