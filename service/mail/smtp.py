"""SMTP delivery with the standard library's smtplib: plain, STARTTLS or implicit TLS, with an optional login.

`PORTAL_SMTP_URL` says which: `smtp://host[:25]`, `smtp+starttls://user:password@host[:587]` or
`smtps://user:password@host[:465]` (user and password percent-encoded). The server's replies decide what
happens to a mail: 2xx sent, 4xx or no answer retried later, 5xx failed for good, except where the 5xx
is about the session rather than the mail (login, sender address), which every mail would meet alike.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from billing.entities import OutboxMail
from billing.ports import MailDeferred, MailError, MailRejected
from service.mail.message import build_message, envelope_sender

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
# Per socket operation; a whole conversation stays far inside the relay's claim (billing.outbox.RetryPolicy).
TIMEOUT_SECONDS = 30.0
# Session-level refusals: not this mail's fault, and every other mail would meet them too.
_SESSION_ERRORS = (
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
)


class InvalidSmtpUrl(ValueError):
    """PORTAL_SMTP_URL does not say where and how to send mail."""


@dataclass(frozen=True)
class SmtpUrl:
    """Where and how to reach the mail server; `redacted()` is what may be shown or logged."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def security(self) -> Security:
        return SCHEMES[self.scheme][0]

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES:
            raise InvalidSmtpUrl(f"PORTAL_SMTP_URL must start with {', '.join(f'{s}://' for s in SCHEMES)}")
        try:
            port = parts.port or SCHEMES[parts.scheme][1]
        except ValueError:
            raise InvalidSmtpUrl("PORTAL_SMTP_URL has an invalid port") from None
        if not parts.hostname:
            raise InvalidSmtpUrl("PORTAL_SMTP_URL names no host, e.g. smtp+starttls://user:password@mail.example:587")
        return cls(parts.scheme, parts.hostname, port, unquote(parts.username or ""), unquote(parts.password or ""))

    def redacted(self) -> str:
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"


class SmtpTransport:
    """Implements `billing.ports.MailTransport` over one SMTP connection, opened on the first send and
    kept for the rest of the relay's batch; any failure drops it, so the next mail starts clean."""

    def __init__(
        self,
        url: SmtpUrl,
        sender: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,  # the EHLO name; smtplib's default is this host's FQDN
    ) -> None:
        self.url, self.sender, self.timeout, self.local_hostname = url, sender, timeout, local_hostname
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def send(self, mail: OutboxMail) -> None:
        try:
            message = build_message(mail, self.sender)
        except ValueError as problem:
            raise MailRejected(f"not a valid message: {problem}") from None
        # A kept connection the server has closed meanwhile (idle time-out) is worth one fresh try.
        for fresh in (self._smtp is None, True):
            try:
                self._connection().send_message(message, envelope_sender(self.sender), [mail.to])
                return
            except smtplib.SMTPServerDisconnected as lost:
                self.close()
                if fresh:
                    raise MailDeferred(f"the server closed the connection: {lost}", affects_all=True) from None
            except (smtplib.SMTPException, OSError) as error:
                self.close()
                raise as_mail_error(error) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the server went first; nothing is lost

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        url, name = self.url, self.local_hostname
        if url.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                url.host, url.port, local_hostname=name, timeout=self.timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(url.host, url.port, local_hostname=name, timeout=self.timeout)
        try:
            if url.security == "starttls":
                smtp.starttls(context=self.ssl_context)  # refuses to go on in clear text if the server cannot
                smtp.ehlo()
            if url.username:
                smtp.login(url.username, url.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def as_mail_error(error: smtplib.SMTPException | OSError) -> MailError:
    """The server's answer (or its silence) as the relay's kind of failure."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return _by_code(code, _text(reply))
    if isinstance(error, _SESSION_ERRORS):
        said = _text(getattr(error, "smtp_error", b"")) or str(error)
        return MailDeferred(
            f"the mail server refused the session: {said}", getattr(error, "smtp_code", None), affects_all=True
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(error.smtp_code, _text(error.smtp_error))
    return MailDeferred(f"cannot reach the mail server: {type(error).__name__}: {error}", affects_all=True)


def _by_code(code: int, reply: str) -> MailError:
    if 500 <= code < 600:
        return MailRejected(reply, code)
    return MailDeferred(reply, code, affects_all=code == 421)  # 421: the server is closing the channel


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).strip()
