"""Result rows turned into tidy tables, figures and reports."""

__all__: list[str] = []
