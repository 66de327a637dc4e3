"""Python's mcstatus, a second real Server List Ping client for the front
door's tests. Prints one JSON line with what it saw.

Usage: python3 mcstatus_ping.py <modern|legacy> <host:port>
"""

import json
import sys

from mcstatus import JavaServer, LegacyServer


def main() -> None:
    kind, address = sys.argv[1], sys.argv[2]
    if kind == "legacy":
        status = LegacyServer.lookup(address, timeout=10).status()
        out = {
            "motd": status.motd.to_plain(),
            "version": status.version.name,
            "protocol": status.version.protocol,
            "online": status.players.online,
            "max": status.players.max,
        }
    else:
        status = JavaServer.lookup(address, timeout=10).status()
        out = {
            "motd": status.motd.to_plain(),
            "version": status.version.name,
            "protocol": status.version.protocol,
            "online": status.players.online,
            "max": status.players.max,
            "favicon": status.icon,
            "latency": status.latency,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
