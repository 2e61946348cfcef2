"""The SMTP transport against aiosmtpd on 127.0.0.1: PORTAL_SMTP_URL's forms, login with the credentials in
the URL, STARTTLS (never falling back to clear text), and which replies fail a mail for good."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smtp_kit import DOMAIN, Recorder, smtp_server, transport

from billing.entities import OutboxMail
from billing.ports import MailDeferred, MailRejected
from service.mail.smtp import InvalidSmtpUrl, SmtpUrl

NOW = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)


def _mail(n: int = 1, to: str = "alice@acme.example") -> OutboxMail:
    mail = OutboxMail(f"mail_s{n}", to, "Subject", "Body", "notice", "ref", NOW)
    mail.message_id = f"<{mail.id}@{DOMAIN}>"
    return mail


@pytest.mark.parametrize(
    ("url", "security", "port", "user", "password", "shown"),
    [
        ("smtp://mail.example", "plain", 25, "", "", "smtp://mail.example:25"),
        (
            "smtp+starttls://u%40x:p%3Ass@mail.example",
            "starttls",
            587,
            "u@x",
            "p:ss",
            "smtp+starttls://u@x@mail.example:587",
        ),
        ("smtps://relay:secret@[::1]:2465", "tls", 2465, "relay", "secret", "smtps://relay@[::1]:2465"),
    ],
)
def test_the_url_says_where_and_how(url, security, port, user, password, shown):
    parsed = SmtpUrl.parse(url)
    assert (parsed.security, parsed.port, parsed.username, parsed.password) == (security, port, user, password)
    assert parsed.redacted() == shown and "secret" not in repr(parsed)


@pytest.mark.parametrize("url", ["http://mail.example", "mail.example:25", "smtp://", "smtp://mail.example:99999"])
def test_a_url_that_says_nothing_usable_is_refused_with_a_reason(url):
    with pytest.raises(InvalidSmtpUrl, match="PORTAL_SMTP_URL"):
        SmtpUrl.parse(url)


def _authenticator(seen: list[tuple[str, str]]):
    def check(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: aiosmtpd answers a refusal with its own 535 (True would leave the client waiting)
        return AuthResult(success=auth_data.password == b"p@ss:word", handled=False)

    return check


# Login over plain SMTP keeps the test short (STARTTLS has its own test); aiosmtpd warns about it.
AUTH = {"auth_require_tls": False, "auth_required": True}
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def test_the_credentials_in_the_url_log_in():
    seen: list[tuple[str, str]] = []
    with smtp_server(authenticator=_authenticator(seen), **AUTH) as server:
        sender = transport(f"smtp://relay%40portal:p%40ss%3Aword@127.0.0.1:{server.port}")
        sender.send(_mail())
        sender.close()
    assert seen == [("relay@portal", "p@ss:word")] and len(server.recorder.received) == 1


def test_a_refused_login_defers_every_mail_instead_of_failing_them():
    with smtp_server(authenticator=_authenticator([]), **AUTH) as server:
        with pytest.raises(MailDeferred) as refused:
            transport(f"smtp://relay:wrong@127.0.0.1:{server.port}").send(_mail())
    assert refused.value.code == 535 and refused.value.affects_all
    assert server.recorder.received == []


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class TlsRecorder(Recorder):
    """Also notes whether each accepted message came over TLS."""

    tls: list[bool]

    async def handle_DATA(self, server, session, envelope) -> str:
        self.__dict__.setdefault("tls", []).append(session.ssl is not None)
        return await super().handle_DATA(server, session, envelope)


def test_starttls_encrypts_and_plain_smtp_is_not_silently_used(tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))
    recorder = TlsRecorder()
    with smtp_server(recorder, tls_context=server_tls, require_starttls=True) as server:
        sender = transport(f"smtp+starttls://127.0.0.1:{server.port}", ssl_context=trusting)
        sender.send(_mail())
        sender.close()
        with pytest.raises(MailDeferred) as refused:  # the server wants TLS first: not this mail's fault
            transport(server.url).send(_mail(2))
        with pytest.raises(MailDeferred, match="cannot reach"):  # a certificate nobody vouches for
            transport(f"smtp+starttls://127.0.0.1:{server.port}").send(_mail(3))
    assert recorder.tls == [True] and refused.value.code == 530 and refused.value.affects_all


class RefusingRecipient(Recorder):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_recipient_fails_that_mail_only_and_the_connection_carries_on():
    with smtp_server(RefusingRecipient()) as server:
        sender = transport(server.url)
        with pytest.raises(MailRejected) as refused:
            sender.send(_mail(1, to="gone@acme.example"))
        sender.send(_mail(2))
        sender.close()
    assert (refused.value.code, refused.value.reason) == (550, "5.1.1 No such user")
    assert [str(r.message["Message-ID"]) for r in server.recorder.received] == [f"<mail_s2@{DOMAIN}>"]


def test_a_mail_that_cannot_be_a_message_is_refused_for_good():
    mail = _mail()
    mail.subject = "Hello\r\nBcc: everyone@example.com"
    with pytest.raises(MailRejected, match="not a valid message"):
        transport("smtp://127.0.0.1:1").send(mail)
