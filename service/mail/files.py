"""Development delivery: each mail written as an `.eml` file, named by the mail's id, instead of being sent."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from billing.entities import OutboxMail
from billing.ports import MailRejected
from service.mail.message import build_message

log = logging.getLogger(__name__)


class FileTransport:
    """Implements `billing.ports.MailTransport` with a folder: `<folder>/<mail id>.eml`. Writing a mail again
    replaces its file, so a re-sent mail is still one file."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    def send(self, mail: OutboxMail) -> None:
        try:
            data = build_message(mail, self.sender).as_bytes()
        except ValueError as problem:
            raise MailRejected(f"not a valid message: {problem}") from None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{mail.id}.eml"
        partial = target.with_suffix(".eml.partial")
        partial.write_bytes(data)
        os.replace(partial, target)  # a reader never sees half a mail
        log.info("mail written to a file (PORTAL_SMTP_URL is unset)", extra={"mail_id": mail.id, "file": str(target)})

    def close(self) -> None:
        """Nothing stays open between mails."""
