"""What an engine returns for one replication: the ledger plus the tallies kept beside it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ledger import Ledger

__all__ = ["CAUSES", "FATE_CASH", "FATE_LOST", "FATE_SHIPPED", "CollectorStats", "EngineOutput"]

#: Causes of lost sales; an order lost to cause k has fate FATE_LOST + k.
CAUSES = ("terms", "credit_refused", "credit_cancelled", "credit_limit", "stop_shipping",
          "customer_lost")
#: What became of each potential order (0: none yet, or still held when the run ended).
FATE_SHIPPED, FATE_CASH, FATE_LOST = 1, 2, 3


@dataclass
class CollectorStats:
    """Collector queue statistics within the statistics window."""

    collectors: int | None = None
    busy_days: float = 0.0
    tasks_served: int = 0
    tasks_dropped: int = 0
    wait_days_total: float = 0.0


@dataclass
class EngineOutput:
    """One replication's raw result, before costs and KPIs are computed from it."""

    engine: str
    window: tuple[float, float]
    ledger: Ledger
    actions: dict[str, tuple[float, float]]  # action -> (count, cost) within the window
    potential_sales: float = 0.0  # full-potential demand (money) within the window
    lost_sales: dict[str, float] = field(default_factory=dict)  # cause -> money
    lost_orders: dict[str, int] = field(default_factory=dict)  # cause -> orders
    cash_sales: float = 0.0
    rebates: float = 0.0
    customers_lost: int = 0
    bankruptcies: int = 0
    collector: CollectorStats = field(default_factory=CollectorStats)
