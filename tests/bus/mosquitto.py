"""A real Mosquitto broker for tests: a free 127.0.0.1 port, a generated config with an authenticated listener
(password file made by ``mosquitto_passwd``, anonymous clients refused), and stop/start/pause for outage tests."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path

from commandcenter.config import BusConfig

MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificates(directory: Path, host: str) -> None:
    """A throwaway CA (``ca.crt``) and a server certificate for ``host`` signed by it (``server.crt/.key``)."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=commandcenter test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", f"/CN={host}")
    (directory / "san.ext").write_text(f"subjectAltName=IP:{host}\n", encoding="utf-8")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")


class MosquittoBroker:
    """One mosquitto process; ``stop()`` then ``start()`` brings it back on the same port with its retained
    values (persistence on, saved on a clean stop)."""

    def __init__(self, directory: Path, users: dict[str, str], *, tls: bool = False, anonymous: bool = False) -> None:
        self.directory = directory
        self.users = users
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls = tls
        self.ca_file = directory / "ca.crt"
        self.log_path = directory / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None
        password_file = directory / "passwd"
        password_file.touch(mode=0o600)
        for name, password in users.items():
            subprocess.run([MOSQUITTO_PASSWD, "-b", str(password_file), name, password], check=True,
                           capture_output=True)
        (directory / "data").mkdir(exist_ok=True)
        tls_lines = ""
        if tls:
            make_certificates(directory, self.host)
            tls_lines = (f"cafile {self.ca_file}\ncertfile {directory / 'server.crt'}\n"
                         f"keyfile {directory / 'server.key'}\n")
        self.config_path = directory / "mosquitto.conf"
        self.config_path.write_text(
            f"listener {self.port} {self.host}\n"
            + tls_lines +
            f"allow_anonymous {'true' if anonymous else 'false'}\n"
            f"password_file {password_file}\n"
            "persistence true\n"
            f"persistence_location {directory / 'data'}/\n"
            f"log_dest file {self.log_path}\n"
            "log_type all\n"
            # mosquitto started as root drops to the "mosquitto" user, who cannot read the test's files
            f"user {pwd.getpwuid(os.getuid()).pw_name}\n",
            encoding="utf-8")

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"

    def bus_config(self, user: str, *, password: str | None = None, client_id: str = "", protocol: str = "3.1.1",
                   tls_ca: str | None = None) -> BusConfig:
        """A ``[bus]`` section for ``user`` (a TLS broker's own CA unless ``tls_ca`` says otherwise)."""
        ca = (str(self.ca_file) if self.tls else "") if tls_ca is None else tls_ca
        return BusConfig(url=self.url, username=user, password=self.users[user] if password is None else password,
                         client_id=client_id, protocol=protocol, tls_ca=ca)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self._process = subprocess.Popen([MOSQUITTO, "-c", str(self.config_path)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise RuntimeError(f"mosquitto exited with {self._process.returncode}: {err}\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.url} within 10 s\n{self.log()}")

    def stop(self) -> None:
        """A clean stop (SIGTERM): connections are closed, retained values saved."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        if self._process.stderr:
            self._process.stderr.close()
        self._process = None

    def pause(self) -> None:
        """The network goes silent (SIGSTOP): no connection is closed, nothing is answered."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
