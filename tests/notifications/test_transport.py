"""The SMTP URL forms and the transport chosen by the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookings.notifications.transport import FileTransport, SmtpTransport, mail_transport


def test_smtp_urls() -> None:
    plain = SmtpTransport.from_url("smtp://mail.example.com")
    assert (plain.host, plain.port, plain.use_tls, plain.start_tls) == (
        "mail.example.com",
        25,
        False,
        None,
    )
    sub = SmtpTransport.from_url("smtp+starttls://me%40x.com:p%3Ass@mx:2525?timeout=5")
    assert (sub.port, sub.start_tls, sub.username, sub.password, sub.timeout) == (
        2525,
        True,
        "me@x.com",
        "p:ss",
        5.0,
    )
    tls = SmtpTransport.from_url("smtps://mx?verify=0")
    assert (tls.port, tls.use_tls, tls.start_tls, tls.validate_certs) == (465, True, False, False)
    with pytest.raises(ValueError):
        SmtpTransport.from_url("http://mx")


def test_without_smtp_url_mail_goes_to_files(tmp_path: Path) -> None:
    assert mail_transport(None, tmp_path) == FileTransport(tmp_path / "mail")
    assert isinstance(mail_transport("smtp://mx", tmp_path), SmtpTransport)
