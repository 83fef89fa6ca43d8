"""A local SMTP server for development: stores every message it receives in a maildir.

``python -m services.mailings.emails.dev_smtp --port 8025 --maildir .run/mail``; the mailings service's
default relay (127.0.0.1:8025) is this server, so `make run` sends real SMTP without a real mailbox.
Read the messages with any maildir reader (``mutt -f .run/mail``) or as files under new/.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

log = logging.getLogger("negoce.dev_smtp")


class LoggingMailbox(Mailbox):
    """A maildir handler that logs one line per stored message."""

    def handle_message(self, message: Message) -> None:
        """Store the message, then say who it came from and went to, and where it is."""
        key = self.mailbox.add(message)
        subject = str(make_header(decode_header(message.get("Subject", ""))))
        log.info(
            "received %s from %s to %s subject %r stored as %s",
            message.get("Message-ID", "(no id)"),
            message.get("X-MailFrom"),
            message.get("X-RcptTo"),
            subject,
            key,
        )


def main(argv: list[str] | None = None) -> None:
    """Run the server until interrupted (Ctrl-C or SIGTERM)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's own lines: several per connection
    args.maildir.parent.mkdir(parents=True, exist_ok=True)
    controller = Controller(LoggingMailbox(args.maildir), hostname=args.host, port=args.port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    controller.start()
    log.info("listening on %s:%s, storing messages in %s", args.host, args.port, args.maildir)
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
