"""Entity resolution from the command line: ``crm-segments identity explain``."""
