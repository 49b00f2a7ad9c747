"""The operations backend of a centre: many workstations, one city, PostgreSQL underneath.

``python main.py serve --config server.toml`` runs it. Nothing here imports Qt or the UI; the
event shape, the commands and their rules are the workstation's own (``core/``).
"""
