"""The workstation's side of the remote operations backend: the wire format both sides speak,
and the client that keeps a local replica of the centre's log."""
