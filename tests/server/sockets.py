"""Which TCP sockets a process listens on, read from /proc (no psutil): its socket inodes that /proc/net/tcp*
lists in state LISTEN (0A)."""

from __future__ import annotations

import os
from pathlib import Path


def _socket_inodes(pid: int | str) -> set[str]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def listening_ports(pid: int | str = "self") -> set[int]:
    """The TCP ports (IPv4 and IPv6) the process ``pid`` has a listening socket on."""
    mine = _socket_inodes(pid)
    ports = set()
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in mine:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports
