"""Signed bundles: a key pair made once, a bundle signed with it, and a reviewer who trusts
that key, another key, or none; a manifest edited after signing is caught."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from core.bundle.export import ExportResult, export_incident
from core.bundle.manifest import BundleKeyError
from core.bundle.signing import (
    KEY_ENV,
    KeyPair,
    generate_key_pair,
    load_signing_key,
    signing_key_from,
)
from core.bundle.verify import check_bundle
from tests.unit.test_bundle_scene import FIRE, build_scene, rewrite_zip


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[KeyPair, KeyPair]:
    folder = tmp_path_factory.mktemp("keys")
    return generate_key_pair(folder / "centre.key"), generate_key_pair(folder / "other.key")


@pytest.fixture(scope="module")
def signed(
    keys: tuple[KeyPair, KeyPair], tmp_path_factory: pytest.TempPathFactory
) -> ExportResult:
    scene = build_scene(tmp_path_factory.mktemp("scene"))
    out = tmp_path_factory.mktemp("out") / "signed.zip"
    key = keys[0].private_path.read_bytes()
    return export_incident(
        scene.db,
        FIRE,
        out,
        evidence_dir=scene.evidence_dir,
        sign_key=key,
        purpose="after-action review",
    )


def test_keygen_writes_a_private_key_for_its_owner_only(keys: tuple[KeyPair, KeyPair]) -> None:
    pair = keys[0]
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    assert pair.private_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert pair.public_path == pair.private_path.with_suffix(".pub")
    assert pair.public_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert load_signing_key(pair.private_path.read_bytes()).key_id == pair.key_id
    assert len(pair.key_id) == 16 and pair.key_id != keys[1].key_id
    before = pair.private_path.read_bytes()
    with pytest.raises(BundleKeyError, match="already exists"):
        generate_key_pair(pair.private_path)
    assert pair.private_path.read_bytes() == before


def test_a_trusted_key_verifies_and_an_unknown_one_does_not(
    keys: tuple[KeyPair, KeyPair], signed: ExportResult
) -> None:
    centre, other = (k.public_path.read_bytes() for k in keys)
    assert signed.signed and signed.key_id == keys[0].key_id
    manifest = check_bundle(signed.path).manifest
    assert manifest["signature"]["algorithm"] == "Ed25519"
    assert manifest["signature"]["key_id"] == keys[0].key_id

    trusted = check_bundle(signed.path, [other, centre])
    assert trusted.ok and trusted.signed and trusted.trusted is True

    unchecked = check_bundle(signed.path)  # valid, but no one said whom to trust
    assert unchecked.ok and unchecked.trusted is False

    untrusted = check_bundle(signed.path, [other])
    assert untrusted.trusted is False
    assert [p.line() for p in untrusted.problems] == [
        f"manifest.sig: signed by key {keys[0].key_id}, which is not among the trusted keys "
        f"({keys[1].key_id})"
    ]


def test_a_manifest_edited_after_signing_is_caught(
    keys: tuple[KeyPair, KeyPair], signed: ExportResult, tmp_path: Path
) -> None:
    edited = tmp_path / "edited.zip"

    def soften(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["incident"]["severity"] = 4
        return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()

    rewrite_zip(signed.path, edited, {"manifest.json": soften})
    check = check_bundle(edited, [keys[0].public_path.read_bytes()])
    assert not check.ok and check.trusted is False
    assert [p.line() for p in check.problems] == [
        "manifest.sig: signature does not match: the manifest was changed after signing"
    ]

    resigned = tmp_path / "resigned.zip"  # the forger signs with a key of their own
    forger = load_signing_key(keys[1].private_path.read_bytes())

    def swap_key(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["signature"].update(key_id=forger.key_id, public_key=forger.public_pem)
        return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()

    rewrite_zip(signed.path, resigned, {"manifest.json": swap_key})
    with zipfile.ZipFile(resigned) as archive:
        data = archive.read("manifest.json")
    signature = forger.sign(data).encode()
    rewrite_zip(resigned, tmp_path / "final.zip", {"manifest.sig": lambda _: signature})
    forged = check_bundle(tmp_path / "final.zip", [keys[0].public_path.read_bytes()])
    assert forged.signed and forged.trusted is False
    assert [p.kind for p in forged.problems] == ["trust"]  # its own signature holds
    assert f"signed by key {forger.key_id}" in forged.problems[0].line()


def test_a_missing_signature_of_a_signed_manifest_is_named(
    signed: ExportResult, tmp_path: Path
) -> None:
    stripped = tmp_path / "stripped.zip"
    rewrite_zip(signed.path, stripped, {"manifest.sig": lambda _: None})
    assert [p.line() for p in check_bundle(stripped).problems] == [
        f"manifest.sig: missing: the manifest says key {signed.key_id} signed it"
    ]


def test_an_unsigned_bundle_is_not_trusted_when_keys_are_given(
    keys: tuple[KeyPair, KeyPair], tmp_path: Path
) -> None:
    scene = build_scene(tmp_path / "scene")
    plain = export_incident(
        scene.db,
        FIRE,
        tmp_path / "plain.zip",
        evidence_dir=scene.evidence_dir,
        purpose="after-action review",
    )
    assert check_bundle(plain.path).ok
    check = check_bundle(plain.path, [keys[0].public_path.read_bytes()])
    assert (
        not check.ok
        and check.trusted is None
        and check.intact
        and [p.kind for p in check.problems] == ["trust"]
    )


def test_the_key_comes_from_the_option_or_the_environment(
    keys: tuple[KeyPair, KeyPair], tmp_path: Path
) -> None:
    path = keys[0].private_path
    assert signing_key_from(None, {}) is None
    assert signing_key_from(None, {KEY_ENV: str(path)}) == path.read_bytes()
    pem = signing_key_from(None, {KEY_ENV: path.read_text()})  # the PEM text itself
    assert pem is not None and load_signing_key(pem).key_id == keys[0].key_id
    assert signing_key_from(path, {KEY_ENV: "/elsewhere"}) == path.read_bytes()
    with pytest.raises(BundleKeyError, match="bundle keygen"):
        signing_key_from(tmp_path / "absent.key", {})
    with pytest.raises(BundleKeyError, match="not an unencrypted PEM private key"):
        load_signing_key(keys[0].public_path.read_bytes())
    with pytest.raises(BundleKeyError, match="not a PEM public key"):
        check_bundle(tmp_path / "any.zip", [path.read_bytes()])  # a private key, not public
