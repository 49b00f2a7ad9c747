"""Response procedures (SOPs): definitions read from TOML, the library in force, commands
and the fold of an incident's run, and its progress (steps and golden-time timers).

Kept light: importing the package loads nothing; the modules are imported where needed.
"""
