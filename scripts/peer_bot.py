#!/usr/bin/env python3
"""The peer CubeGuardian is measured against (issue 14): a discord.py 2.7 bot
doing the same job at rest, with the same intents, against the in-repo
Discord stand-in only.

Why it exists: "12 MiB" means little alone; beside a default discord.py bot
in the same guild, in the same run, it says what choosing Rust bought.

The job at rest is CubeGuardian's: keep the guild and who sits in which
voice channel, and read messages (the intents are CubeGuardian's, given by
`--intents`, as the stand-in saw them in its IDENTIFY). Member caching is
discord.py's default for those intents (members in voice; no chunking
without GUILD_MEMBERS). It does not drive a server: that costs nothing at
rest.

Network safety: discord.py talks to discord.com by default, in two places
(the REST base `discord.http.Route.BASE`, and the gateway
`DiscordWebSocket.DEFAULT_GATEWAY`, which a plain `Client` connects to
without asking `GET /gateway/bot`). Both are pointed at the stand-in before
the client exists, the script refuses URLs that are not on 127.0.0.0/8, and
every socket connect and name lookup of the process is checked as well: one
to anything but a loopback address raises instead of leaving the machine.

Usage (`examples/measure.rs` runs it; the token comes from the environment):
    PEER_BOT_TOKEN=... peer_bot.py --api http://127.0.0.1:PORT/api/v10 \
        --gateway ws://127.0.0.1:PORT/gateway --intents 37505
It prints `PEER READY guilds=N members=M voice=V` on stdout once the guild
has arrived, then runs until killed.
"""

import argparse
import ipaddress
import os
import socket
import sys
import urllib.parse

PINNED = "2.7.1"


def loopback(host):
    """Whether `host` is a loopback IP literal (names are not resolved)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url, schemes):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in schemes or not loopback(parts.hostname or ""):
        sys.exit(f"peer_bot: refusing {url!r}: only {'/'.join(schemes)} on 127.0.0.0/8")
    return url


def guard_sockets():
    """Every connect and lookup of the process stays on loopback."""
    connect, connect_ex, getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def allowed(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            if not loopback(address[0]):
                raise ConnectionRefusedError(f"peer_bot: refusing to connect to {address!r}")

    def guarded_connect(sock, address):
        allowed(sock, address)
        return connect(sock, address)

    def guarded_connect_ex(sock, address):
        allowed(sock, address)
        return connect_ex(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not isinstance(host, str) or not loopback(host):
            raise socket.gaierror(f"peer_bot: refusing to look up {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    socket.getaddrinfo = guarded_getaddrinfo


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="http://127.0.0.1:PORT/api/v10")
    parser.add_argument("--gateway", required=True, help="ws://127.0.0.1:PORT/gateway")
    parser.add_argument("--intents", type=int, required=True)
    args = parser.parse_args()
    api = check_url(args.api, ("http",)).rstrip("/")
    gateway = check_url(args.gateway, ("ws",))
    token = os.environ.get("PEER_BOT_TOKEN")
    if not token:
        sys.exit("peer_bot: PEER_BOT_TOKEN is not set")
    guard_sockets()
    import importlib.util

    if importlib.util.find_spec("aiodns") is not None:
        # aiohttp would resolve through c-ares, past the guard.
        sys.exit("peer_bot: refusing to run with aiodns installed")

    import discord
    import discord.gateway
    import discord.http
    import yarl

    if discord.__version__ != PINNED:
        sys.exit(f"peer_bot: discord.py {discord.__version__}, expected {PINNED}")
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    client = discord.Client(intents=discord.Intents._from_value(args.intents))
    voice = {}

    @client.event
    async def on_ready():
        members = sum(len(g.members) for g in client.guilds)
        for guild in client.guilds:
            for channel in guild.voice_channels:
                for member in channel.members:
                    voice[member.id] = channel.id
        print(
            f"PEER READY guilds={len(client.guilds)} members={members} voice={len(voice)}",
            flush=True,
        )

    @client.event
    async def on_voice_state_update(member, before, after):
        if after.channel is None:
            voice.pop(member.id, None)
        else:
            voice[member.id] = after.channel.id

    @client.event
    async def on_message(message):
        # CubeGuardian reads every message for its commands; so does this.
        if message.author.id != client.user.id:
            message.content.strip()

    client.run(token)


if __name__ == "__main__":
    main()
