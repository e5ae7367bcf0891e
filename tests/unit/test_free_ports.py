"""The ports devstack and the tests hand to servers: free, distinct, and never from the
system's ephemeral range, which any outgoing connection may take as its source port first."""

import socket
from pathlib import Path

from devstack.dynamodb_local import free_ports

RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def test_free_ports_are_distinct_free_and_below_the_ephemeral_range() -> None:
    ports = free_ports(20)

    assert len(set(ports)) == 20
    if RANGE.is_file():
        first_ephemeral = int(RANGE.read_text().split()[0])
        assert all(port < first_ephemeral for port in ports)
    for port in ports:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))  # free when handed out
