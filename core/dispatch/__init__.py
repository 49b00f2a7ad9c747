"""Linkage with outside agencies: the packet model, its formats (CAP 1.2, EDXL-DE 2.0, JSON,
Cursor-on-Target), the agency registry and lawful-sharing gate, the outbox that delivers
packets at least once, and the listener that takes reports and acknowledgements in."""
