"""What an engine returns for one replication: the ledger plus the tallies kept beside it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import rng
from ..ledger import Columns, Ledger
from ..memory import prefetch, prefetch_at

__all__ = [
    "CAUSES",
    "FATE_CASH",
    "FATE_LOST",
    "FATE_SHIPPED",
    "ORDER_TALLY",
    "REFERENCE",
    "CollectorStats",
    "EngineOutput",
    "absence",
    "absence_table",
    "account_end",
    "away_at",
    "by_customer",
    "closed_at",
    "lost_and_away",
    "permute",
    "population",
    "rejected_fate",
    "stable_order",
    "store_order_tally",
    "tally_order",
]

#: Causes of lost sales; an order lost to cause k has fate FATE_LOST + k.
CAUSES = ("terms", "credit_refused", "credit_cancelled", "credit_limit", "stop_shipping",
          "customer_lost")
#: What became of each potential order (0: none yet, or still held when the run ended).
FATE_SHIPPED, FATE_CASH, FATE_LOST = 1, 2, 3
#: The order tally: potential sales, cash sales, money and orders lost by cause, then the
#: reference sales (what the market's terms would sell, see Demand.market_terms).
REFERENCE = 2 + 2 * len(CAUSES)
ORDER_TALLY = REFERENCE + 1
_L_TERMS, _L_REFUSED = FATE_LOST + CAUSES.index("terms"), FATE_LOST + CAUSES.index(
    "credit_refused")
_L_LOST = FATE_LOST + CAUSES.index("customer_lost")


@rng.compiled_inline
def account_end(lost_from: float, closed: float, back_days: float) -> float:
    """When a customer's account ends and the customer comes back on a fresh one, as a
    customer like it would: `back_days` (demand.customer_loss.valued_days; inf: never) after
    the customer was lost or its account closed for good, whichever came first (docs/model.md
    §4, "Customers lost and won back")."""
    return min(lost_from, closed) + back_days


@rng.compiled_inline
def away_at(t: float, losses: np.ndarray, ends: np.ndarray) -> bool:
    """Whether a customer is away, lost, at time t: the i-th of its accounts lost it at
    `losses[i]` (inf: never) and ended at `ends[i]` (account_end)."""
    for i in range(losses.size):  # noqa: SIM110 (numba compiles no generator in any())
        if losses[i] <= t < ends[i]:
            return True
    return False


@rng.compiled_inline
def closed_at(t: float, closures: np.ndarray, ends: np.ndarray) -> float:
    """When the customer's account in force at time t was closed or its line cancelled for
    good (inf: never): the first of its accounts (`closures`, `ends`) not ended by t."""
    for i in range(ends.size):
        if t < ends[i]:
            return closures[i]
    return np.inf


@rng.compiled
def rejected_fate(t: float, kept_for_cash: bool, on_credit: bool, away: bool,
                  cancel_from: float) -> int:
    """The fate of an order the policy never ships on credit, once the customer's losses and
    cancellation time are known (`away`: the customer was away, lost, at time t): a cash
    sale, or lost to the cause that took it.

    Such an order is outside the demand the policy's terms win on credit: on a grade given
    credit it is lost to the terms (the demand response), unless the customer's line was
    cancelled and it is within the cash-only share (a cash sale); on a refused grade it is a
    cash sale within the cash-only share (lost with its customer if the customer was away),
    and otherwise lost to the credit standard. So a lost customer or a cancelled line is
    charged only with orders the policy would have had. `cancel_from` is when the line was
    cancelled for good or the account closed: a line cancelled until its debt is paid
    (credit_limit.reopen_after_days) leaves the customer a credit buyer, whose orders the
    terms did not win stay lost to them (docs/model.md §4)."""
    if not on_credit:
        if not kept_for_cash:
            return _L_REFUSED
        return _L_LOST if away else FATE_CASH
    if kept_for_cash and cancel_from <= t and not away:
        return FATE_CASH
    return _L_TERMS


@rng.compiled
def tally_order(acc: np.ndarray, amount: float, fate: int) -> None:
    """Add one potential order of a live customer, within the window, to the tally's cash and
    lost sales (see ORDER_TALLY); its caller adds it to the potential sales (acc[0]).

    Every engine adds its orders one at a time by customer, then by order number, so the
    sums are the same to the last bit whichever engine ran.
    """
    if fate == FATE_CASH:
        acc[1] += amount
    elif fate >= FATE_LOST:
        k = fate - FATE_LOST
        acc[2 + k] += amount
        acc[2 + len(CAUSES) + k] += 1.0


def store_order_tally(out: EngineOutput, acc: np.ndarray) -> None:
    """Potential, cash and lost sales from the order tally into the engine's output."""
    out.potential_sales, out.cash_sales = float(acc[0]), float(acc[1])
    out.reference_sales = float(acc[REFERENCE])
    out.lost_sales, out.lost_orders = {}, {}
    for k, cause in enumerate(CAUSES):
        count = int(acc[2 + len(CAUSES) + k])
        if count:
            out.lost_sales[cause] = float(acc[2 + k])
            out.lost_orders[cause] = count


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
    reference_sales: float = 0.0  # what the market's terms would sell within the window
    lost_sales: dict[str, float] = field(default_factory=dict)  # cause -> money
    lost_orders: dict[str, int] = field(default_factory=dict)  # cause -> orders
    cash_sales: float = 0.0
    rebates: float = 0.0
    customers_lost: int = 0
    bankruptcies: int = 0
    customer_days: float = 0.0  # days customers spent with the company within the window
    customer_days_away: float = 0.0  # days customers spent away, lost, within the window
    customers_joined: int = 0  # newcomers who arrived within the window and stayed
    collector: CollectorStats = field(default_factory=CollectorStats)
    _columns: Columns | None = field(default=None, repr=False, compare=False)

    def columns(self) -> Columns:
        """The ledger's fields as contiguous arrays, for pricing (see ledger.Columns)."""
        if self._columns is None or self._columns.ledger is not self.ledger:
            self._columns = Columns(self.ledger)
        return self._columns



def absence_table(count: int, returned: tuple[list[int], list[float], list[float]],
                  lost_from: np.ndarray, cancel_from: np.ndarray, back_days: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every customer's accounts, as the tallies read them: customer c's, in time order, are
    rows start[c]:start[c + 1] of `losses`, `closures` and `ends` (its loss, its closing for
    good, INF where none, and its end, account_end), its current account last.
    `returned`: the customers won back, in the order they came back (so each customer's in
    time order), with the loss and the closing of the account each return ended;
    `lost_from`, `cancel_from`: each customer's current account's."""
    lost_c, lost_t, lost_closed = returned
    cust = np.concatenate([np.asarray(lost_c, dtype=np.int64), np.arange(count)])
    losses = np.concatenate([np.asarray(lost_t, dtype=np.float64), lost_from])
    closures = np.concatenate([np.asarray(lost_closed, dtype=np.float64), cancel_from])
    order = by_customer(cust)
    start = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(cust, minlength=count), out=start[1:])
    losses, closures = losses[order], closures[order]
    ends = np.minimum(losses, closures) + back_days
    return start, losses, closures, ends


@rng.compiled_inline
def absence(losses: np.ndarray, ends: np.ndarray, joined: float, bankrupt: float,
            start: float, end: float) -> tuple[int, float]:
    """A customer's losses within the window [start, end), and the days it was away within
    the window and its own life with the company (from `joined` to `bankrupt`)."""
    lost, away = 0, 0.0
    first, last = max(joined, start), min(bankrupt, end)
    for i in range(losses.size):
        if start <= losses[i] < end:
            lost += 1
        # (an account that never lost it: no days, max(inf, first) being inf)
        away += max(0.0, min(ends[i], last) - max(losses[i], first))
    return lost, away


@rng.compiled
def lost_and_away(start_of: np.ndarray, losses: np.ndarray, ends: np.ndarray,
                  joined: np.ndarray, bankrupt: np.ndarray, start: float, end: float,
                  lost: np.ndarray, away: np.ndarray) -> None:
    """absence() for every customer of an absence table, into `lost` and `away`."""
    for c in range(joined.size):
        a, b = start_of[c], start_of[c + 1]
        lost[c], away[c] = absence(losses[a:b], ends[a:b], joined[c], bankrupt[c], start, end)


def population(out: EngineOutput, joined: np.ndarray, joins: np.ndarray, initial: int,
               bankrupt: np.ndarray, lost: np.ndarray, away: np.ndarray) -> None:
    """The customers' comings and goings within the window, the same sums in every engine:
    customers lost (each loss: a customer won back may be lost again) and bankrupt,
    newcomers who stayed, and the customer-days spent with the company (a customer is with
    it from its arrival until its bankruptcy, less the days it was away, lost: `lost` and
    `away` per customer, absence()'s; a newcomer the policy's terms did not win never was),
    and the customer-days spent away."""
    start, end = out.window
    out.customers_lost = int(np.sum(np.where(joins, lost, 0)))
    out.bankruptcies = int(np.sum(joins & (bankrupt >= start) & (bankrupt < end)))
    newcomer = np.arange(joined.size) >= initial
    out.customers_joined = int(np.sum(joins & newcomer & (joined >= start) & (joined < end)))
    stay = np.maximum(np.minimum(bankrupt, end) - np.maximum(joined, start), 0.0) - away
    out.customer_days = float(np.sum(np.where(joins, np.maximum(stay, 0.0), 0.0)))
    out.customer_days_away = float(np.sum(np.where(joins, away, 0.0)))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable"), six times faster where few keys are equal.

    NumPy's default sort of 64-bit keys is a vectorised quicksort (about 3 ms for 250,000
    keys on this project's benchmark machine, against 21 ms for the stable merge sort); it
    may order equal keys either way, so the places in runs of equal keys are then sorted
    again by (key, position), which puts each run in its stable order and leaves it where it
    is (at 100,000 customers two pairs of the 2.5 million order times tie; sorting them all
    stably took 0.3 s). Where many keys tie, the stable sort of all keys is quicker.
    """
    order = np.argsort(keys)
    ranked = keys[order]
    tied = np.flatnonzero(ranked[1:] == ranked[:-1])  # places i where key i ties with i + 1
    if 16 * tied.size > keys.size:  # (many ties: the stable sort of all is quicker)
        return np.argsort(keys, kind="stable")
    if tied.size:
        at = np.union1d(tied, tied + 1)
        order[at] = order[at][np.lexsort((order[at], ranked[at]))]
    return order


def by_customer(customer: np.ndarray, within: np.ndarray | None = None) -> np.ndarray:
    """The order of rows by customer number (many rows share one), and within a customer
    by `within` (a permutation of 0 .. rows - 1; by default the rows' own order, so the
    stable order): np.lexsort((within, customer)), by a counting sort in two passes over the
    rows rather than a comparison sort (at 100,000 customers, 3.1 million ledger rows, the
    argsort of a unique key per row took 0.7 s, a tenth of the SimPy engine's run)."""
    rows = customer.size
    if rows == 0:
        return np.zeros(0, dtype=np.int64)
    cust = customer.astype(np.int64, copy=False)
    # each customer's first place: the rows of customers before it
    start = np.zeros(int(cust.max()) + 2, dtype=np.int64)
    np.cumsum(np.bincount(cust), out=start[1:])
    visit = np.empty(rows, dtype=np.int64)  # the rows in `within`'s order
    order = np.empty(rows, dtype=np.int64)  # (no other temporary: the run is near its peak)
    _place(cust, np.arange(0) if within is None else within, visit, start, order)
    return order


@rng.compiled
def _place(customer: np.ndarray, within: np.ndarray, visit: np.ndarray, start: np.ndarray,
           order: np.ndarray) -> None:
    """Visit the rows in `within`'s order (empty: as they come), putting each at its
    customer's next place."""
    for r in range(visit.size):
        visit[within[r] if within.size else r] = r
    for r in visit:
        c = customer[r]
        order[start[c]] = r
        start[c] += 1


#: A ledger is permuted in blocks of 2**PERMUTE_SHIFT rows (`permute`): 2,048 rows of 140
#: bytes and their places are about 300 KB, which a core's cache holds.
PERMUTE_SHIFT = 11


def permute(ledger: Ledger, order: np.ndarray, shift: int = PERMUTE_SHIFT) -> None:
    """ledger[:] = ledger[order], in place, in two passes: every row first to the block of
    2**shift rows its place lies in, then within each block to its place.

    A copy of the whole ledger would double the run's peak memory at its very end, and a
    field at a time (23 strided gathers) took over a second at 100,000 customers. Following
    the permutation's cycles record by record took half a second there: each step waited on
    memory for the next row of a cycle that runs across the whole ledger, 440 MB. Blocks
    keep each pass's moves near where the last ones were: the first pass writes each block
    in turn from its start (a few thousand places being filled at once, each a line or two
    that the caches hold), the second works inside a block the caches hold whole."""
    n = ledger.size
    if n < 2:
        return
    width = ledger.dtype.itemsize
    word = next(w for w in (8, 4, 2, 1) if width % w == 0)
    flat = np.ascontiguousarray(ledger).view(f"u{word}").reshape(n, width // word)
    assert np.shares_memory(flat, ledger)  # (a ledger is always one contiguous block)
    place = np.empty(n, dtype=np.int64)  # where row i goes: order's inverse
    place[np.ascontiguousarray(order, dtype=np.int64)] = np.arange(n)
    spare = np.empty((2, width // word), flat.dtype)
    _to_blocks(flat, place, np.empty(((n - 1) >> shift) + 1, dtype=np.int64), spare, shift)
    _within_blocks(flat, place, spare)


@rng.compiled
def _to_blocks(rows: np.ndarray, place: np.ndarray, nxt: np.ndarray, spare: np.ndarray,
               shift: int) -> None:
    """Pass 1 of `permute` (an American flag sort on the block of each row's place, row i
    going to place[i]): block by block, each row not yet in its own block carried to the
    next place of its block that holds no row of that block's own. `nxt` (a place per
    block) and `spare` (two rows) are work areas."""
    n = place.size
    for b in range(nxt.size):
        nxt[b] = b << shift
    for b in range(nxt.size):
        last = min((b + 1) << shift, n)
        while nxt[b] < last:
            i = nxt[b]
            if place[i] >> shift == b:
                nxt[b] += 1
            else:
                _carry(rows, place, nxt, spare, shift, i)


@rng.compiled_inline
def _carry(rows: np.ndarray, place: np.ndarray, nxt: np.ndarray, spare: np.ndarray,
           shift: int, i: int) -> None:
    """Carry row i to its block, the row it displaces to its own, and on, until a row of
    i's block fills the hole row i left."""
    carried, hold = place[i], 0
    _copy_row(rows, i, spare, 0, True)
    while True:
        d = carried >> shift
        j = nxt[d]
        while j != i and place[j] >> shift == d:
            j += 1
        nxt[d] = j + 1
        if j == i:  # (d is i's block: the cycle closes at the hole)
            _copy_row(rows, i, spare, hold, False)
            place[i] = carried
            return
        # (the block's next places, asked for ahead: they are the next to be filled)
        prefetch_at(rows, j + 2, 0)
        prefetch_at(rows, j + 2, rows.shape[1] - 1)
        prefetch(place, j + 8)
        _copy_row(rows, j, spare, 1 - hold, True)
        _copy_row(rows, j, spare, hold, False)
        place[j], carried = carried, place[j]
        hold = 1 - hold


@rng.compiled
def _within_blocks(rows: np.ndarray, place: np.ndarray, spare: np.ndarray) -> None:
    """Pass 2 of `permute`: every row in its block already, each cycle followed to its
    places (within a block the caches hold)."""
    for i in range(place.size):
        if place[i] == i:
            continue
        carried, hold = place[i], 0
        _copy_row(rows, i, spare, 0, True)
        while carried != i:
            j = carried
            _copy_row(rows, j, spare, 1 - hold, True)
            _copy_row(rows, j, spare, hold, False)
            carried, place[j] = place[j], j
            hold = 1 - hold
        _copy_row(rows, i, spare, hold, False)
        place[i] = i


@rng.compiled_inline
def _copy_row(rows: np.ndarray, r: int, spare: np.ndarray, s: int, out: bool) -> None:
    """rows[r] into spare[s] (`out`), or spare[s] into rows[r] (element loops: a slice copy
    would allocate)."""
    if out:
        for w in range(spare.shape[1]):
            spare[s, w] = rows[r, w]
    else:
        for w in range(spare.shape[1]):
            rows[r, w] = spare[s, w]
