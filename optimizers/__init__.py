"""Policy search on common random numbers (planned: ``arsim optimize``, ``arsim sweep``)."""

__all__: list[str] = []
