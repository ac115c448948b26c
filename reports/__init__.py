"""Result rows turned into tidy tables, figures and reports."""

from .tables import aging_frame, daily_frame, ledger_frame, replications_frame, summary_frame

__all__ = ["aging_frame", "daily_frame", "ledger_frame", "replications_frame", "summary_frame"]
