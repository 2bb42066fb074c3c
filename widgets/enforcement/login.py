"""The login dialog: username and password checked by ``AuthService`` on the store's writer thread."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol

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

from commandcenter.enforcement.auth import AuthError, UserInfo
from commandcenter.runtime.tasks import GuiBridge
from widgets.enforcement.style import PANEL_QSS, set_role


class LoginBackend(Protocol):
    """What checks the password: ``AuthService`` in one process, ``enforcement.seats.SeatLogin`` on a seat
    (the same check, which also opens the seat's session with the server)."""

    def submit_login(self, username: str, password: str) -> Future[UserInfo]: ...


class LoginDialog(QDialog):
    """Modal login. ``user`` holds the logged-in user after ``exec()`` returns Accepted."""

    logged_in = Signal(object)  # UserInfo

    def __init__(self, auth: LoginBackend, parent: QWidget | None = None, *, username: str = "") -> None:
        super().__init__(parent)
        self.auth = auth
        self.user: UserInfo | None = None
        self._bg = GuiBridge(None, self)  # follows the writer's future of the login check
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        self.setWindowTitle(self.tr("Log in — Smart Urban Management Command Center"))
        self.setMinimumWidth(380)

        title = QLabel(self.tr("Log in"))
        title.setProperty("role", "title")
        self.username = QLineEdit(username)
        self.username.setPlaceholderText(self.tr("Username"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password"))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Log in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Username"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        (self.password if username else self.username).setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Check the credentials without blocking the GUI (Argon2 runs on the writer)."""
        name, password = self.username.text().strip(), self.password.text()
        if not name or not password:
            self._show(self.tr("Enter your username and password."), "error")
            return
        self._busy(True)
        self._show(self.tr("Checking…"), "hint")
        self._bg.watch(self.auth.submit_login(name, password), self._succeeded, self._failed)

    def _succeeded(self, user: UserInfo) -> None:
        self._busy(False)
        self.user = user
        self.logged_in.emit(user)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.password.clear()
        self.password.setFocus()
        if isinstance(exc, AuthError):
            text = {
                "bad_credentials": self.tr("Wrong username or password."),
                "locked": self.tr("This account is locked after repeated failed logins. Try again later "
                                  "or ask the shift leader to reset the password."),
                "disabled": self.tr("This account is disabled."),
            }.get(exc.code, str(exc))
        else:
            text = self.tr("Login failed: %1").replace("%1", str(exc))
        self._show(text, "error")

    def _busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        self.username.setEnabled(not busy)
        self.password.setEnabled(not busy)

    def _show(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
