"""regcheck — compliance checks on the audit logs of real-estate registration offices."""

__version__ = "0.1.0"
