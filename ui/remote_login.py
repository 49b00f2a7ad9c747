"""Signing in to the centre's operations backend: the credentials check and its dialog."""

from __future__ import annotations

import contextlib
import os
import ssl
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.remote.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from ui.workers import run_in_thread

PASSWORD_VARIABLE = "CITYROOM_PASSWORD"
_ERROR_COLOUR = "#ff8b8b"
_INFO_COLOUR = "#9fb3c8"


@dataclass(frozen=True)
class RemoteLogin:
    """Who signs in to which backend; ``offline``: the backend could not be reached and the
    operator chose to work on the local copy meanwhile."""

    url: str
    username: str
    password: str
    ca_file: Path | None = None
    offline: bool = False


class SignInOutcome(StrEnum):
    """What became of a sign-in attempt."""

    SIGNED_IN = "signed_in"
    REFUSED = "refused"  # wrong password, disabled account (the server's message says which)
    THROTTLED = "throttled"  # too many failures: wait ``retry_after_s``
    PROTOCOL = "protocol"  # the two sides speak different protocol versions
    TLS = "tls"  # the server's certificate could not be verified
    UNREACHABLE = "unreachable"  # no answer, or the server cannot serve now (5xx)
    INVALID = "invalid"  # something answered, but not a Cityroom backend


@dataclass(frozen=True)
class SignInResult:
    """The outcome, the server's (or the network's) words, and the account when signed in."""

    outcome: SignInOutcome
    message: str
    account: dict[str, Any] | None = None
    retry_after_s: int | None = None
    status: int | None = None


def check_credentials(
    url: str, username: str, password: str, ca_file: Path | None = None, timeout_s: float = 10.0
) -> SignInResult:
    """Ask the backend at ``url`` whether these credentials sign in (POST /v1/login). Blocks:
    call it off the GUI thread."""
    verify: ssl.SSLContext | bool = True
    try:
        if url.startswith("https://"):
            verify = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        response = httpx.post(
            f"{url}/v1/login",
            json={"username": username, "password": password},
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
            verify=verify,
            timeout=timeout_s,
        )
    except (ssl.SSLError, httpx.ConnectError) as exc:
        text = str(exc) or type(exc).__name__
        if isinstance(exc, ssl.SSLError) or "CERTIFICATE" in text or "SSL" in text:
            return SignInResult(SignInOutcome.TLS, text)
        return SignInResult(SignInOutcome.UNREACHABLE, text)
    except (httpx.HTTPError, OSError) as exc:
        return SignInResult(SignInOutcome.UNREACHABLE, str(exc) or type(exc).__name__)
    return _judge(response)


def _judge(response: httpx.Response) -> SignInResult:
    status = response.status_code
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if status >= 500:
            return SignInResult(SignInOutcome.UNREACHABLE, f"HTTP {status}", status=status)
        return SignInResult(SignInOutcome.INVALID, f"HTTP {status}", status=status)
    message = str(data.get("message") or f"HTTP {status}")
    if status < 400:
        if "token" not in data:
            return SignInResult(SignInOutcome.INVALID, f"HTTP {status}", status=status)
        account = data.get("account")
        return SignInResult(
            SignInOutcome.SIGNED_IN,
            "",
            account if isinstance(account, dict) else None,
            status=status,
        )
    if status == 429:
        wait = data.get("retry_after_s")
        retry = int(wait) if isinstance(wait, int | float) else None
        return SignInResult(SignInOutcome.THROTTLED, message, retry_after_s=retry, status=status)
    if status == 426:
        return SignInResult(SignInOutcome.PROTOCOL, message, status=status)
    if status >= 500:
        return SignInResult(SignInOutcome.UNREACHABLE, message, status=status)
    return SignInResult(SignInOutcome.REFUSED, message, status=status)


class RemoteLoginDialog(QDialog):
    """The backend's address, user name and password, and "Sign in". The check runs on a
    worker thread; a refusal is shown in the dialog, which stays open. When the backend cannot
    be reached the operator may work offline on the workstation's copy instead."""

    _checked = Signal(object)  # SignInResult, from the worker thread

    def __init__(
        self,
        url: str,
        username: str = "",
        ca_file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.ca_file = ca_file
        self.offline = False
        self.account: dict[str, Any] | None = None
        self.result_seen: SignInResult | None = None
        self._checking = False
        self.setWindowTitle(self.tr("Sign in to the operations backend"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.address_label = QLabel(url)
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Backend:"), self.address_label)
        self.user_edit = QLineEdit(username)
        form.addRow(self.tr("&User name:"), self.user_edit)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("&Password:"), self.password_edit)
        layout.addLayout(form)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        layout.addWidget(self.message_label)
        self.buttons = QDialogButtonBox()
        self.offline_button = self.buttons.addButton(
            self.tr("Work &offline"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.offline_button.hide()
        self.offline_button.clicked.connect(self._on_offline_button_clicked)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.addButton(
            self.tr("&Sign in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        # Enter signs in, wherever the focus is: no other button may become the default.
        for other in (self.offline_button, cancel):
            other.setAutoDefault(False)
        self.sign_in_button.setDefault(True)
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._checked.connect(self._on_checked)
        (self.password_edit if username else self.user_edit).setFocus()

    # -- what the operator entered ---------------------------------------------------------

    @property
    def username(self) -> str:
        """The user name as entered (trimmed)."""
        return self.user_edit.text().strip()

    @property
    def password(self) -> str:
        """The password as entered."""
        return self.password_edit.text()

    def login(self) -> RemoteLogin:
        """The credentials to start the link with (after the dialog was accepted)."""
        return RemoteLogin(self.url, self.username, self.password, self.ca_file, self.offline)

    def show_message(self, text: str, error: bool = True) -> None:
        """Say something under the fields (errors in red)."""
        colour = _ERROR_COLOUR if error else _INFO_COLOUR
        self.message_label.setStyleSheet(f"color: {colour}")
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    # -- signing in -----------------------------------------------------------------------

    def sign_in(self) -> None:
        """Check the credentials with the backend (on a worker thread)."""
        if self._checking:
            return
        if not self.username or not self.password:
            self.show_message(self.tr("Enter your user name and password."))
            (self.password_edit if self.username else self.user_edit).setFocus()
            return
        self._set_checking(True)
        self.offline_button.hide()
        self.show_message(self.tr("Signing in to %1…").replace("%1", self.url), error=False)
        url, user, password, ca_file = self.url, self.username, self.password, self.ca_file
        future = run_in_thread(
            lambda: check_credentials(url, user, password, ca_file), "backend sign-in"
        )

        def done(_future: object) -> None:
            try:
                result = future.result()
            except Exception as exc:  # a bug in the check must still free the dialog
                result = SignInResult(SignInOutcome.UNREACHABLE, str(exc))
            # RuntimeError: the dialog is gone; nobody waits for the answer.
            with contextlib.suppress(RuntimeError):
                self._checked.emit(result)

        future.add_done_callback(done)

    def _set_checking(self, checking: bool) -> None:
        self._checking = checking
        for widget in (self.user_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not checking)

    def _on_checked(self, result: SignInResult) -> None:
        self._set_checking(False)
        self.result_seen = result
        if result.outcome is SignInOutcome.SIGNED_IN:
            self.account = result.account
            self.offline = False
            self.accept()
            return
        self.show_message(self._explain(result))
        if result.outcome is SignInOutcome.UNREACHABLE:
            self.offline_button.show()
            self.offline_button.setFocus()
            return
        self.password_edit.setFocus()
        self.password_edit.selectAll()

    def _explain(self, result: SignInResult) -> str:
        """The refusal in the operator's language, with the server's own words."""
        outcome, message = result.outcome, result.message
        if outcome is SignInOutcome.REFUSED:
            return self.tr("The backend refused the sign-in: %1").replace("%1", message)
        if outcome is SignInOutcome.THROTTLED:
            wait = str(result.retry_after_s) if result.retry_after_s is not None else "?"
            return (
                self.tr("Too many failed sign-ins: wait %1 s, then try again. (%2)")
                .replace("%1", wait)
                .replace("%2", message)
            )
        if outcome is SignInOutcome.PROTOCOL:
            return self.tr(
                "This workstation and the backend speak different versions: %1"
            ).replace("%1", message)
        if outcome is SignInOutcome.TLS:
            return self.tr(
                "The backend's TLS certificate could not be verified (%1). Start Cityroom with "
                "--ca-cert naming the centre's CA certificate (a PEM file)."
            ).replace("%1", message)
        if outcome is SignInOutcome.INVALID:
            return (
                self.tr("%1 did not answer as a Cityroom backend (%2). Check the address.")
                .replace("%1", self.url)
                .replace("%2", message)
            )
        return (
            self.tr(
                "The backend at %1 cannot be reached (%2). Check the address and the network, "
                "or work offline on this workstation's copy: commands are saved and sent when "
                "the backend is back."
            )
            .replace("%1", self.url)
            .replace("%2", message)
        )

    def _on_offline_button_clicked(self) -> None:
        if not self.username or not self.password:
            self.show_message(self.tr("Enter your user name and password."))
            return
        self.offline = True
        self.accept()


def credentials_at_start(
    url: str, username: str, ca_file: Path | None, *, interactive: bool
) -> RemoteLogin | int:
    """The credentials to open the workstation with, or the exit status when there are none:
    from the sign-in dialog, or (``interactive`` False) from the environment variable
    CITYROOM_PASSWORD."""
    if not interactive:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            print(
                f"cityroom: --backend without a window to sign in needs the password in the "
                f"environment variable {PASSWORD_VARIABLE} (e.g. {PASSWORD_VARIABLE}=... "
                "python main.py --backend URL --screenshot out.png).",
                file=sys.stderr,
            )
            return 2
        return RemoteLogin(url, username, password, ca_file)
    dialog = RemoteLoginDialog(url, username, ca_file)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return 1
    return dialog.login()
