"""A real MQTT broker for the tests: Debian's mosquitto in a child process on 127.0.0.1."""

from __future__ import annotations

import getpass
import socket
import subprocess
import threading
import time
from pathlib import Path


class MosquittoBroker:
    """mosquitto with a generated configuration in ``directory``; it can stop and come back
    on the same port. With ``users`` it demands one of those logins."""

    BINARY = Path("/usr/sbin/mosquitto")
    PASSWD = Path("/usr/bin/mosquitto_passwd")

    def __init__(self, directory: Path, users: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.users = users or {}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.host = "127.0.0.1"
        self.log_path = directory / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None

    def _configure(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence false",
            # Run as whoever runs the tests: started as root, mosquitto would otherwise switch
            # to its own user, who cannot read the test's folder.
            f"user {getpass.getuser()}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if self.users:
            passwd = self.directory / "passwd"
            passwd.write_text("")
            for user, password in self.users.items():
                subprocess.run(
                    [str(self.PASSWD), "-b", str(passwd), user, password],
                    check=True,
                    capture_output=True,
                )
            passwd.chmod(0o600)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        config = self.directory / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self, timeout_s: float = 10.0) -> MosquittoBroker:
        """Start the broker and wait until it accepts connections."""
        if not self.BINARY.exists():
            raise RuntimeError(f"{self.BINARY} is missing; run 'make setup' to install mosquitto")
        config = self._configure()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.BINARY), "-c", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        pause = threading.Event()
        while not self._accepts():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log_path.read_text(errors="replace")[-500:]
                raise RuntimeError(f"mosquitto did not start on port {self.port}: {tail}")
            pause.wait(0.02)
        return self

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the broker (clients see the connection drop)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
