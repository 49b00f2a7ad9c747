"""Pure GIS: what the map shows, as data (no Qt). Heavy libraries load inside functions."""
