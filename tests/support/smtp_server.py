#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for CubeGuardian's integration tests.

Built on aiosmtpd (Debian: python3-aiosmtpd). Run it with the system
interpreter, /usr/bin/python3, where apt installs the module.

Once it listens it prints `LISTENING <port>` on stdout. Every accepted
message is spooled as two files in --spool, written atomically and fsynced
before the server answers 250:

  mail-NNNN.eml   the raw message as received after DATA
  mail-NNNN.json  envelope and decoded parts: mail_from, rcpt_tos, subject,
                  message_id, from, to, date, content_type, text, html,
                  headers ([name, value] pairs), eml (file name)

The .json file is written last, so its presence means the message is
complete. Every DATA transaction (accepted or not) increments the number in
`<spool>/data_attempts`.

While the file `<spool>/hold` exists, a message that has arrived waits for
its answer (the server writes `<spool>/held` to say one does): a test can
act between the client's DATA and the server's 250.

Options:
  --port N                 port to bind on 127.0.0.1 (0: any free port)
  --tls none|starttls|implicit
  --cert FILE --key FILE   server certificate chain and key (PEM), for TLS
  --auth USER:PASSWORD     require AUTH PLAIN or LOGIN with these credentials;
                           anything else gets 535
  --fail-data N            answer the first N DATA transactions with
                           `451 4.3.0 try again later`, then accept
  --reject-rcpt ADDR       answer RCPT TO:<ADDR> with 550 (repeatable)
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomically(path, data):
    """Writes `data` (bytes) to `path` so readers see all of it or nothing."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def text_part(message, subtype):
    """The decoded text of the first text/<subtype> part, or None."""
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != "text/" + subtype:
        return None
    return part.get_content()


def describe(raw):
    """What the tests want to check about a message, decoded by Python's
    own MIME parser (RFC 2047 subjects, quoted-printable/base64 parts)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return {
        "subject": message.get("Subject"),
        "message_id": message.get("Message-ID"),
        "from": message.get("From"),
        "to": message.get("To"),
        "date": message.get("Date"),
        "content_type": message.get_content_type(),
        "text": text_part(message, "plain"),
        "html": text_part(message, "html"),
        "headers": [[name, str(value)] for name, value in message.items()],
    }


class Handler:
    def __init__(self, spool, fail_data, reject_rcpt):
        self.spool = spool
        self.fail_data = fail_data
        self.reject_rcpt = {addr.lower() for addr in reject_rcpt}
        self.attempts = 0
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject_rcpt:
            return f"550 5.1.1 <{address}>: recipient address rejected: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        hold = os.path.join(self.spool, "hold")
        if os.path.exists(hold):
            write_atomically(os.path.join(self.spool, "held"), b"1")
            while os.path.exists(hold):
                await asyncio.sleep(0.02)
        self.attempts += 1
        write_atomically(
            os.path.join(self.spool, "data_attempts"), str(self.attempts).encode()
        )
        if self.attempts <= self.fail_data:
            return "451 4.3.0 try again later"
        self.accepted += 1
        name = f"mail-{self.accepted:04d}"
        raw = envelope.original_content or envelope.content
        write_atomically(os.path.join(self.spool, name + ".eml"), raw)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "eml": name + ".eml",
        }
        try:
            record.update(describe(raw))
        except Exception as error:  # keep the raw mail even if parsing fails
            record["parse_error"] = repr(error)
        write_atomically(
            os.path.join(self.spool, name + ".json"),
            json.dumps(record, ensure_ascii=False, indent=1).encode(),
        )
        return f"250 2.0.0 OK queued as {name}"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            mechanism in ("PLAIN", "LOGIN")
            and isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        # handled=False: let aiosmtpd answer 535 itself on failure.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


def server_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser(description="test SMTP server (aiosmtpd)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth")
    parser.add_argument("--fail-data", type=int, default=0)
    parser.add_argument("--reject-rcpt", action="append", default=[])
    parser.add_argument("--spool", required=True)
    args = parser.parse_args()
    # The log (stderr) is for failing tests' messages; aiosmtpd masks AUTH
    # arguments in it. Its warning about AUTH without TLS is intended here.
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s"
    )
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    if args.tls != "none" and not (args.cert and args.key):
        parser.error("--tls starttls|implicit needs --cert and --key")
    context = server_context(args.cert, args.key) if args.tls != "none" else None
    authenticator = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep:
            parser.error("--auth wants USER:PASSWORD")
        authenticator = Authenticator(user, password)
    os.makedirs(args.spool, exist_ok=True)
    handler = Handler(args.spool, args.fail_data, args.reject_rcpt)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(
            handler,
            hostname="localhost",
            loop=loop,
            # STARTTLS mode: offer it and insist on it before MAIL/AUTH.
            tls_context=context if args.tls == "starttls" else None,
            require_starttls=args.tls == "starttls",
            authenticator=authenticator,
            auth_required=authenticator is not None,
            # aiosmtpd only knows about TLS it negotiated itself (STARTTLS):
            # with implicit TLS the whole connection is already encrypted, so
            # its own check must be off there, or AUTH would never be offered.
            # Plain mode allows AUTH too, to test loopback relays without TLS.
            auth_require_tls=args.tls == "starttls",
        )

    server = loop.run_until_complete(
        loop.create_server(
            factory,
            host="127.0.0.1",
            port=args.port,
            ssl=context if args.tls == "implicit" else None,
        )
    )
    port = server.sockets[0].getsockname()[1]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    print(f"LISTENING {port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
