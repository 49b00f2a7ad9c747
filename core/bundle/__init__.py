"""Incident bundles: one zip a reviewer can open offline, whose every byte is checked.

- ``export.export_incident``: write an incident's bundle from a log (events verbatim, sensor
  series, packets, evidence, map extract, after-action report, optional Ed25519 signature);
- ``verify.check_bundle``: check every file and event against the manifest, and its signature;
- ``opening.open_bundle``: check, unpack and rebuild the events as a log file for review;
- ``signing``: key pairs, signing and checking; ``cli``: the command-line runners.

Nothing is imported here: the main command line imports ``cli`` on every run, and must not pay
for the rest.
"""
