"""Bounded HTTP serving for the device listeners (OsmAnd, Open311): a backlog, a worker pool, request timeouts.

``http.server.ThreadingHTTPServer`` listens with a backlog of 5 (a burst of 20 citizens' POSTs meets connection
resets), starts one thread per connection and never times a request out: 1,100 clients that connect and stop
mid-request hold 1,100 threads until the process runs out of descriptors. :class:`BoundedHTTPServer` keeps the
standard library's request handlers (``BaseHTTPRequestHandler`` subclasses with ``do_GET``/``do_POST``) but:

* one dispatcher thread (a ``selectors`` loop) accepts and reads the request *head* of every connection without
  blocking; only a connection whose head has fully arrived is handed to a worker, so a slowloris client costs
  a few bytes of buffer and no thread, and is closed when ``header_timeout`` passes;
* a fixed pool of ``workers`` threads runs the handlers, at most a few of them (process-wide) running Python
  at once while the rest wait for the store (:mod:`devices.handler_slots`); the body is read with
  ``body_timeout`` per read and the whole request (body and answer) within ``body_timeout`` — a watchdog cuts the connection otherwise;
* after an answer, a kept-alive connection goes back to the dispatcher (no worker waits for a phone's next
  report) and is closed after ``keepalive_timeout`` without a new request;
* at most ``max_connections`` connections are open: at the cap the connection idle the longest (waiting for a
  request head, not being served) is closed to make room, otherwise the new one is refused;
* the listen backlog is ``backlog``.

Handlers derive from :class:`BoundedRequestHandler` and read bodies with :meth:`BoundedRequestHandler.read_body`,
which refuses a body cut short (a client that stopped or was timed out) instead of handing half of it on.
"""

from __future__ import annotations

import errno
import io
import math
import select
import selectors
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from queue import Empty, SimpleQueue
from typing import Any

from devices.base import ConnectionCounters
from devices.handler_slots import HANDLER_SLOTS, waiting_outside

__all__ = ["BoundedHTTPServer", "BoundedRequestHandler", "HttpLimits"]

EXPIRY_SCAN_S = 0.1  # how often idle and stuck connections are checked against their deadlines


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """How much one HTTP listener may take from the process; config ``[listeners]`` sets them."""

    backlog: int = 4096
    """Connections the kernel queues before accept. The standard library's 5 resets bursts of clients; 128 still
    overflowed when 10,000 phones connected within 10 s (the kernel answered with SYN cookies, some of which
    failed: connection reset), 1,024 dropped SYNs (retried a second later). Linux caps it at
    ``net.core.somaxconn`` (4096 on Debian 12)."""
    workers: int = 16
    """Threads running request handlers; the dispatcher thread comes on top."""
    max_connections: int = 512
    """Open connections at most (waiting, kept alive or being served)."""
    header_timeout: float = 10.0
    """Seconds for a request head to arrive completely once its first byte came (slowloris bound)."""
    body_timeout: float = 30.0
    """Seconds for reading the body and answering one request."""
    keepalive_timeout: float = 120.0
    """Seconds a kept-alive connection may wait for its next request."""
    max_header_bytes: int = 65536
    """A request head larger than this is handed on as is and refused by the handler (431/400)."""

    def __post_init__(self) -> None:
        for name in ("backlog", "workers", "max_connections", "max_header_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"HttpLimits.{name} must be at least 1, got {getattr(self, name)}")
        for name in ("header_timeout", "body_timeout", "keepalive_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"HttpLimits.{name} must be positive, got {getattr(self, name)}")


class _PrefixedReader(io.RawIOBase):
    """Raw stream over a socket that first yields the bytes the dispatcher already read (the request head)."""

    def __init__(self, prefix: bytes, sock: socket.socket) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._sock = sock
        self.drained = False  # set when only the buffered bytes may be taken (no blocking read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        if self.drained:
            return 0
        if _ready(self._sock, select.POLLIN):  # what already arrived is taken in the handler's slot
            return self._sock.recv_into(buffer)
        with waiting_outside():  # a slow client's body: the slot is another handler's meanwhile
            return self._sock.recv_into(buffer)


def _ready(sock: socket.socket, event: int) -> bool:
    """Can ``sock`` be read (POLLIN) or written (POLLOUT) without waiting? (A socket with a timeout waits in
    ``recv``/``send`` itself, whatever the flags: the check comes first.)"""
    poller = select.poll()
    poller.register(sock, event)
    return bool(poller.poll(0))


class _SlotFreeWriter(io.BufferedIOBase):
    """The handler's ``wfile``: sends what the socket takes at once, and waits for a slow client outside the
    handler's slot (a large answer to a phone on a poor link must not hold one of the few running slots).

    The response head is held (:meth:`hold`) and goes out with the first body bytes, or at :meth:`flush` when
    there is no body: one ``send`` per answer instead of two. Each send on a socket with a timeout is a poll and
    a send, each a release and re-take of the interpreter lock, and a phone's report is answered by a head and
    a one-line body; for 2,000 phones that was a few hundred lock hand-overs a second more.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self._held = b""

    def writable(self) -> bool:
        return True

    def hold(self, head: bytes) -> None:
        """Keep ``head`` to be sent in front of the next write (or by ``flush``)."""
        self._held += head

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if self._held:
            data, self._held = self._held + bytes(data), b""
        view = memoryview(data)
        if not view:
            return size
        sent = self._sock.send(view) if _ready(self._sock, select.POLLOUT) else 0  # what the socket takes now
        if sent < len(view):
            with waiting_outside():
                self._sock.sendall(view[sent:])
        return size

    def flush(self) -> None:
        """Send a held head that no body followed (``handle_one_request`` flushes after every request)."""
        if self._held:
            self.write(b"")


class BoundedRequestHandler(BaseHTTPRequestHandler):
    """A request handler for :class:`BoundedHTTPServer`: one request per dispatch, bodies read whole or not at all."""

    server: BoundedHTTPServer
    protocol_version = "HTTP/1.1"
    keep: bytes | None = None
    """After ``handle``: the bytes already read past this request when the connection stays open, else None."""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.limits.body_timeout)
        self.rfile.close()  # the makefile() the base class opened: replaced by a reader that sees the head first
        self._raw = _PrefixedReader(self.server._take_prefix(self.connection), self.connection)
        self._reader = io.BufferedReader(self._raw, 65536)
        self.rfile = self._reader
        self._writer = _SlotFreeWriter(self.connection)
        self.wfile = self._writer

    def flush_headers(self) -> None:
        """The head waits for the body's first bytes (:class:`_SlotFreeWriter`): one send per answer."""
        head: list[bytes] = getattr(self, "_headers_buffer", [])
        if head:
            self._writer.hold(b"".join(head))
            head.clear()

    detached: bool = False
    """Set by :meth:`detach`: the answer comes later from another thread (a long poll), not from this worker."""

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        if self.detached:
            return
        if not self.close_connection:
            self._raw.drained = True
            self.keep = self._reader.peek(self.server.limits.max_header_bytes)

    def read_body(self, length: int) -> bytes:
        """Exactly ``length`` body bytes; ConnectionError when the client stopped or was cut off before the end.

        Once the body is in, the request is the application's to answer: the watchdog no longer applies (an
        answer may wait for the store to commit), only the socket timeout on sending it.
        """
        try:
            body = self.rfile.read(length) if length else b""
        except TimeoutError:
            self.close_connection = True
            self.server._count_read_timeout(self.connection)
            raise ConnectionError(f"request body of {length} bytes not received within "
                                  f"{self.server.limits.body_timeout:g} s") from None
        if len(body) != length:
            self.close_connection = True
            raise ConnectionError(f"request body cut short: {len(body)} of {length} bytes arrived")
        self.server._received(self.connection)
        return body


    def body_done(self) -> None:
        """The handler read the body itself (streamed to disk): from now on the request is the application's to
        answer and the watchdog no longer applies, as after :meth:`read_body`."""
        self.server._received(self.connection)

    def detach(self) -> tuple[socket.socket, Any]:
        """Leave the request unanswered when the handler returns, so no worker waits with it (a long poll).

        The connection stays counted as open and is exempt from the request timeout; whoever holds it answers
        with :meth:`BoundedHTTPServer.answer_detached` exactly once (the server's stop closes it otherwise).
        Only for requests whose body has been read (or that have none).
        """
        self.detached = True
        self.close_connection = True
        self.server._received(self.connection)
        return self.connection, self.client_address


class _Waiting:
    """A connection the dispatcher watches until its request head is complete."""

    __slots__ = ("addr", "buffer", "deadline", "sock")

    def __init__(self, sock: socket.socket, addr: Any, buffer: bytes, deadline: float) -> None:
        self.sock = sock
        self.addr = addr
        self.buffer = buffer
        self.deadline = deadline


class BoundedHTTPServer(HTTPServer):
    """``HTTPServer`` with a dispatcher thread, a bounded worker pool and timeouts (see the module docstring).

    ``serve_forever`` runs the dispatcher on the calling thread; ``shutdown`` (from another thread) stops it and
    ``server_close`` releases the socket, the workers and every open connection.
    """

    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BoundedRequestHandler],
                 limits: HttpLimits | None = None, *, name: str = "http") -> None:
        self.limits = limits or HttpLimits()
        self.request_queue_size = self.limits.backlog
        self._handler_class = handler
        self.name = name
        self.last_error = ""
        self.evicted = 0
        """Idle connections closed to make room for a new one (at ``max_connections`` or out of descriptors)."""
        self.timed_out = 0
        """Connections closed because a request head, body or answer took too long."""
        self.refused = 0
        self._pool = ThreadPoolExecutor(max_workers=self.limits.workers, thread_name_prefix=f"{name}-worker")
        self._waiting: dict[socket.socket, _Waiting] = {}
        self._busy: dict[socket.socket, float] = {}  # socket → deadline for its head+body (inf: queued or read)
        self._cut: set[socket.socket] = set()  # busy sockets the watchdog cut
        self._prefixes: dict[socket.socket, bytes] = {}
        self._lock = threading.Lock()  # guards _busy and _prefixes (workers and dispatcher)
        self._returns: SimpleQueue[tuple[socket.socket, Any, bytes]] = SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._wake_pending = threading.Event()  # a wake byte is on its way: the dispatcher will look at _returns
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        super().__init__(address, handler)  # binds and listens; on failure calls server_close, so state comes first
        self.socket.setblocking(False)

    # -- counts -----------------------------------------------------------------------------------------------
    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._waiting) + len(self._busy)

    def counters(self) -> ConnectionCounters:
        """Evicted, timed-out and refused connections so far (the device health report shows them)."""
        return ConnectionCounters(evicted=self.evicted, timed_out=self.timed_out, refused=self.refused)

    # -- dispatcher -------------------------------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.2) -> None:
        self._stopped.clear()
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ, "listen")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        next_expiry = 0.0
        try:
            while not self._stopping.is_set():
                for key, _mask in sel.select(poll_interval):
                    if key.data == "listen":
                        self._accept(sel)
                    elif key.data == "wake":
                        self._take_returns(sel)
                    else:
                        self._read_head(sel, key.data)
                now = time.monotonic()
                if now >= next_expiry:
                    # Timeouts are seconds long: scanning the idle connections (2,000 kept-alive phones) a few
                    # times a second, not after every request, keeps the dispatcher off the interpreter lock.
                    self._expire(sel, now)
                    next_expiry = now + EXPIRY_SCAN_S
        finally:
            for waiting in list(self._waiting.values()):
                self._drop(sel, waiting)
            sel.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (call from another thread) and wait until it has returned."""
        self._stopping.set()
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        """Close the listening socket and every connection; workers finish what they are answering."""
        super().server_close()
        self.drop_connections()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._wake_r.close()
        self._wake_w.close()

    def serve_until(self, stop: threading.Event, name: str) -> None:
        """Serve until ``stop`` is set, then close the socket and every open connection (the listeners' loop)."""

        def stopper() -> None:
            stop.wait()
            self.shutdown()

        threading.Thread(target=stopper, name=f"{name}-stop", daemon=True).start()
        try:
            self.serve_forever(poll_interval=0.2)
        finally:
            self.server_close()
            self.drop_connections()

    def drop_connections(self) -> None:
        """End every open connection, kept-alive ones included, so that no request is served after a stop."""
        with self._lock:
            busy = list(self._busy)
        for sock in busy:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for waiting in list(self._waiting.values()):
            self._waiting.pop(waiting.sock, None)
            waiting.sock.close()
        while True:  # handed back by a worker after the dispatcher stopped
            try:
                sock, _addr, _rest = self._returns.get_nowait()
            except Empty:
                break
            sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client vanishing mid-request is routine (phones on mobile networks): note it, no traceback."""
        exc = sys.exc_info()[1]
        self.last_error = f"{client_address[0]}:{client_address[1]}: {exc!r}"

    def _wake(self) -> None:
        """Wake the dispatcher, once until it has looked: workers handing back connections faster than it takes
        them share one wake-up (a send on the wake socket, and the dispatcher's reading of it, per request was a
        quarter of a report's system calls)."""
        if self._wake_pending.is_set():
            return
        self._wake_pending.set()
        try:
            self._wake_w.send(b"\0")
        except OSError:  # full (already woken) or closed (stopping)
            pass

    def _accept(self, sel: selectors.BaseSelector) -> None:
        retried = False
        while True:
            try:
                sock, addr = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.last_error = f"accept failed: {exc}"
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    if not retried and self._evict_idle(sel):
                        retried = True  # a descriptor was freed: take the waiting client instead of the idle one
                        continue
                    time.sleep(0.05)  # the listener stays readable: do not spin while nothing can be freed
                return
            if self.open_connections >= self.limits.max_connections and not self._evict_idle(sel):
                sock.close()
                self.refused += 1
                continue
            sock.setblocking(False)
            waiting = _Waiting(sock, addr, b"", time.monotonic() + self.limits.header_timeout)
            self._waiting[sock] = waiting
            sel.register(sock, selectors.EVENT_READ, waiting)

    def _evict_idle(self, sel: selectors.BaseSelector) -> bool:
        """Close the connection idle the longest (waiting for a request, soonest to time out); False if none."""
        if not self._waiting:
            return False
        victim = min(self._waiting.values(), key=lambda w: w.deadline)
        self._drop(sel, victim)
        self.evicted += 1
        return True

    def _drop(self, sel: selectors.BaseSelector, waiting: _Waiting) -> None:
        self._waiting.pop(waiting.sock, None)
        try:
            sel.unregister(waiting.sock)
        except (KeyError, ValueError):
            pass
        waiting.sock.close()

    def _read_head(self, sel: selectors.BaseSelector, waiting: _Waiting) -> None:
        try:
            chunk = waiting.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(sel, waiting)
            return
        if not chunk:
            self._drop(sel, waiting)
            return
        if not waiting.buffer:  # a kept-alive connection waited up to keepalive_timeout; the head now has its own
            waiting.deadline = time.monotonic() + self.limits.header_timeout
        waiting.buffer += chunk
        if self._head_complete(waiting.buffer):
            sel.unregister(waiting.sock)
            self._waiting.pop(waiting.sock, None)
            self._dispatch(waiting.sock, waiting.addr, waiting.buffer)

    def _head_complete(self, buffer: bytes) -> bool:
        return b"\n\r\n" in buffer or b"\n\n" in buffer or len(buffer) >= self.limits.max_header_bytes

    def _dispatch(self, sock: socket.socket, addr: Any, head: bytes) -> None:
        with self._lock:
            self._busy[sock] = math.inf  # the clock starts when a worker takes it, not while it queues
            self._prefixes[sock] = head
        # Still non-blocking: the worker's ``setup`` gives it the body timeout (one system call, not two).
        self._pool.submit(self._work, sock, addr)

    def _take_prefix(self, sock: socket.socket) -> bytes:
        with self._lock:
            if sock in self._busy:
                self._busy[sock] = time.monotonic() + self.limits.body_timeout
            return self._prefixes.pop(sock, b"")

    def _count_read_timeout(self, sock: socket.socket) -> None:
        """A worker's body read timed out before the watchdog cut the connection: counted once, here (the
        watchdog counts the connections it cuts, and will not cut this one now)."""
        with self._lock:
            if sock in self._cut:
                return
            if sock in self._busy:
                self._busy[sock] = math.inf
            self.timed_out += 1

    def _received(self, sock: socket.socket) -> None:
        with self._lock:
            if sock in self._busy and sock not in self._cut:
                self._busy[sock] = math.inf

    def _take_returns(self, sel: selectors.BaseSelector) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError, OSError):
            pass
        self._wake_pending.clear()  # before draining: a connection returned from now on wakes the dispatcher again
        now = time.monotonic()
        while True:
            try:
                sock, addr, leftover = self._returns.get_nowait()
            except Empty:
                return
            if self._stopping.is_set():
                sock.close()
                continue
            if self._head_complete(leftover):  # a pipelined request already arrived
                self._dispatch(sock, addr, leftover)
                continue
            sock.setblocking(False)
            timeout = self.limits.header_timeout if leftover else self.limits.keepalive_timeout
            waiting = _Waiting(sock, addr, leftover, now + timeout)
            self._waiting[sock] = waiting
            sel.register(sock, selectors.EVENT_READ, waiting)

    def _expire(self, sel: selectors.BaseSelector, now: float) -> None:
        for waiting in [w for w in self._waiting.values() if w.deadline < now]:
            if waiting.buffer:
                self.timed_out += 1  # a started head that never finished: slowloris or a dead link
            self._drop(sel, waiting)
        with self._lock:
            late = [sock for sock, deadline in self._busy.items() if deadline < now]
            for sock in late:
                self._busy[sock] = math.inf  # cut once; the worker closes it
                self._cut.add(sock)
        for sock in late:
            self.timed_out += 1
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- workers ----------------------------------------------------------------------------------------------
    def answer_detached(self, sock: socket.socket, addr: Any, response: bytes, *, keep_alive: bool = True) -> bool:
        """Send the complete HTTP ``response`` of a request its handler detached, then hand the connection back
        to the dispatcher (``keep_alive``) or close it. Any thread; False when the client is gone."""
        sent = False
        try:
            sock.sendall(response)
            sent = True
        except OSError as exc:
            self.last_error = f"{addr[0]}:{addr[1]}: detached answer not delivered: {exc!r}"
        with self._lock:
            self._busy.pop(sock, None)
            self._prefixes.pop(sock, None)
            cut = sock in self._cut
            self._cut.discard(sock)
        if sent and keep_alive and not cut and not self._stopping.is_set():
            self._returns.put((sock, addr, b""))
            self._wake()
        else:
            self.shutdown_request(sock)
        return sent

    def _work(self, sock: socket.socket, addr: Any) -> None:
        keep: bytes | None = None
        try:
            with HANDLER_SLOTS.running():  # at most a few handlers run Python at once (devices.handler_slots)
                handler = self._handler_class(sock, addr, self)
            if handler.detached:
                return  # answered later through answer_detached; the connection stays busy until then
            keep = handler.keep
        except Exception:
            self.handle_error(sock, addr)
        with self._lock:
            self._busy.pop(sock, None)
            self._prefixes.pop(sock, None)
            cut = sock in self._cut
            self._cut.discard(sock)
        if keep is not None and not cut and not self._stopping.is_set():
            self._returns.put((sock, addr, keep))
            self._wake()
        else:
            self.shutdown_request(sock)
