"""Ed25519 keys and signatures for bundles: make a key pair, sign a manifest, check one.

A centre keeps its private key (PEM PKCS#8, readable by its owner only) and hands out the
public key (PEM SubjectPublicKeyInfo) to whoever reviews its bundles. A key's id is the first
16 hex digits of the SHA-256 of its raw 32-byte public key: short enough to read aloud, long
enough not to collide by chance.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.bundle.manifest import BundleKeyError

ALGORITHM = "Ed25519"
KEY_ENV = "CITYROOM_BUNDLE_KEY"
"""Environment variable naming the signing key file (or holding the PEM text itself)."""
KEYGEN_HINT = "Make a key pair with 'python main.py bundle keygen --out centre.key'."


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key ready to sign, with its public half as PEM and its id."""

    private: Ed25519PrivateKey
    public_pem: str
    key_id: str

    def sign(self, data: bytes) -> str:
        """The hex signature of ``data``."""
        return self.private.sign(data).hex()


def key_id(public: Ed25519PublicKey) -> str:
    """The short id of a public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    """A public key as PEM SubjectPublicKeyInfo text."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_signing_key(pem: bytes, source: str = "the signing key") -> SigningKey:
    """A signing key from PEM PKCS#8 text; ``BundleKeyError`` naming ``source`` otherwise."""
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise BundleKeyError(
            f"{source} is not an unencrypted PEM private key ({exc}). {KEYGEN_HINT}"
        ) from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise BundleKeyError(
            f"{source} is a {type(private).__name__.removeprefix('_')}, not an Ed25519 key. "
            f"{KEYGEN_HINT}"
        )
    public = private.public_key()
    return SigningKey(private, public_pem(public), key_id(public))


def load_public_key(pem: bytes, source: str = "the public key") -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text; ``BundleKeyError`` naming ``source`` otherwise."""
    try:
        public = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise BundleKeyError(
            f"{source} is not a PEM public key ({exc}). Use the .pub file that "
            "'bundle keygen' wrote beside the private key."
        ) from exc
    if not isinstance(public, Ed25519PublicKey):
        raise BundleKeyError(f"{source} is not an Ed25519 public key.")
    return public


def signature_matches(public: Ed25519PublicKey, signature_hex: str, data: bytes) -> bool:
    """True when ``signature_hex`` is ``public``'s signature of ``data``."""
    try:
        public.verify(bytes.fromhex(signature_hex.strip()), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def signing_key_from(path: Path | None, environ: dict[str, str] | None = None) -> bytes | None:
    """The PEM of the key to sign with: the file at ``path``, else what ``CITYROOM_BUNDLE_KEY``
    names (a file, or the PEM text itself), else None (the bundle is not signed)."""
    env = os.environ if environ is None else environ
    if path is None:
        value = env.get(KEY_ENV, "").strip()
        if not value:
            return None
        if value.startswith("-----BEGIN"):
            return value.encode("ascii")
        path = Path(value)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BundleKeyError(
            f"The signing key {path} cannot be read ({exc.strerror or exc}). Check the path "
            f"given by --sign-key or {KEY_ENV}. {KEYGEN_HINT}"
        ) from exc


@dataclass(frozen=True, slots=True)
class KeyPair:
    """Where ``keygen`` wrote the key pair, and the key's id."""

    private_path: Path
    public_path: Path
    key_id: str


def generate_key_pair(out: Path) -> KeyPair:
    """Write a new private key to ``out`` (mode 0600) and its public key beside it as
    ``<out stem>.pub``. Refuses to overwrite either file (``BundleKeyError``)."""
    public_path = out.with_suffix(".pub")
    if public_path == out:
        public_path = out.with_name(out.name + ".pub")
    for path in (out, public_path):
        if path.exists():
            raise BundleKeyError(
                f"{path} already exists and was left untouched. Choose another --out, or "
                "move the old key away first (bundles signed with it need its public key)."
            )
    if not out.parent.is_dir():
        raise BundleKeyError(
            f"The folder {out.parent} does not exist. Create it or choose another --out."
        )
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        # O_EXCL: another process cannot slip a file in between the check and the write.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise BundleKeyError(
            f"Cannot write the key pair at {out} ({exc.strerror or exc}). Choose a writable "
            "folder with --out."
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.chmod(out, 0o600)  # whatever the umask said
        with public_path.open("x", encoding="ascii") as handle:
            handle.write(public_pem(private.public_key()))
    except OSError as exc:
        out.unlink(missing_ok=True)  # half a key pair is no use to anyone
        raise BundleKeyError(
            f"Cannot write the key pair at {out} ({exc.strerror or exc}). Choose a writable "
            "folder with --out."
        ) from exc
    return KeyPair(out, public_path, key_id(private.public_key()))
