"""arsim's only source of randomness: keyed, counter-based, order-free draws.

There is no global random state. Every number is a pure function of (root seed, stream,
customer, invoice, draw index): the four counter words of a Philox4x32-10 block cipher are
(customer, invoice, stream, draw index // 4) and the key is the 64-bit root seed. Any engine
(event-driven, vectorised, parallel) can therefore draw the same numbers in any order and in
any batch size, which is what makes cross-engine comparisons and common random numbers exact.

The arithmetic itself lives in `rng` (compiled): the array functions here loop over its
scalar ones, so a table drawn here and a number the fast engine draws inline are the same
bits. `philox4x32` is a plain NumPy version of the generator, kept as the reference that the
known-answer tests and the compiled one are checked against.
"""

from __future__ import annotations

import functools
from enum import IntEnum
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from . import rng

FloatArray = npt.NDArray[np.float64]
WordArray = npt.NDArray[np.uint64]

_MASK32 = 0xFFFFFFFF
# np.uint64 constants keep every intermediate uint64 (a Python int could promote to int64).
_LO, _SHIFT = np.uint64(_MASK32), np.uint64(32)
_PHILOX_M0, _PHILOX_M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_PHILOX_W0, _PHILOX_W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)


class Stream(IntEnum):
    """Named sources of randomness; the values are part of the reproducibility contract.

    Never renumber or reuse a value: doing so silently changes every published result.
    """

    ORDER_ARRIVAL = 1  #: Arrival times of a customer's orders.
    ORDER_THINNING = 2  #: Thinning of orders drawn at the highest rate down to the policy's.
    ORDER_AMOUNT = 3  #: Invoice amount of each order.
    PAYER_TYPE = 4  #: A customer's payer type (on time, reminded, pressure, defaulter).
    FUNDING_COST = 5  #: The customer's own cost of funds (drawn once per customer).
    CASH_AVAILABLE = 6  #: Whether the customer has the cash to take an invoice's discount.
    PAYMENT_LAG = 7  #: Days from the due date to an unprompted payment.
    DUNNING_RESPONSE = 8  #: Whether a dunning step makes the customer promise to pay.
    PROMISE_BREAK = 9  #: Whether a promise to pay is broken.
    DISPUTE = 10  #: Whether an invoice is disputed, and how long the dispute lasts.
    BANKRUPTCY = 11  #: Timing of customer insolvency.
    RECOVERY = 12  #: Fraction recovered from an insolvent or written-off customer.
    CUSTOMER_LOSS = 13  #: Whether collection pressure drives a customer away.
    AGENCY = 14  #: When within legal.agency_days a successful agency collects.
    LAWSUIT = 15  #: Reserved (a lawsuit's outcome uses its step's response draw).
    ORDER_APPROVAL = 16  #: Whether an order over the credit limit is released on approval.
    OPENING_BOOK = 17  #: Ages and amounts of the receivables already open when the run starts.
    SERVICE_TIME = 18  #: Time the collections team spends on a task.
    PENALTY = 19  #: Whether a late-payment penalty above its funding cost deters a customer.
    ACCOUNT_LOSS = 20  #: Whether a kind of dunning step done on its account drives a customer away.
    ORDER_PATIENCE = 21  #: How long a customer waits for a held order before buying elsewhere.
    NEWCOMER_ARRIVAL = 22  #: When new customers of a segment arrive (keyed by segment).
    NEWCOMER_JOIN = 23  #: Whether a newcomer stays at the policy's terms (the demand response).
    WORKING_ASSETS = 24  #: A customer's working assets, for the working-assets limit method.
    SOURING = 25  #: When a customer's payer type worsens a step (two draws: first, second).


def _philox_words(
    c: list[WordArray], k0: WordArray | np.uint64, k1: WordArray | np.uint64, rounds: int
) -> list[WordArray]:
    """Run Philox4x32 rounds on four uint64 word columns holding 32-bit values."""
    c0, c1, c2, c3 = c
    for r in range(rounds):
        if r:
            # The key schedule is a Weyl sequence, bumped between rounds (9 bumps for 10).
            k0 = (k0 + _PHILOX_W0) & _LO
            k1 = (k1 + _PHILOX_W1) & _LO
        # uint64 holds the full 32x32 -> 64 product, so hi/lo are a shift and a mask.
        p0 = _PHILOX_M0 * c0
        p1 = _PHILOX_M1 * c2
        c0, c1, c2, c3 = (p1 >> _SHIFT) ^ c1 ^ k0, p1 & _LO, (p0 >> _SHIFT) ^ c3 ^ k1, p0 & _LO
    return [c0, c1, c2, c3]


def philox4x32(
    counter: npt.ArrayLike, key: tuple[int, int] | npt.ArrayLike, rounds: int = 10
) -> npt.NDArray[np.uint32]:
    """Philox4x32 counter-based generator (Salmon et al., 2011), vectorised over rows.

    Args:
        counter: Shape (n, 4), values in [0, 2**32).
        key: Two 32-bit words, shared (shape (2,)) or one pair per row (shape (n, 2)).
        rounds: Number of rounds; 10 is the standard, crush-resistant choice.

    Returns:
        Shape (n, 4) uint32 output words.

    Raises:
        ValueError: If a shape or value is out of range.
    """
    ctr = _as_words(counter, "counter")
    if ctr.ndim != 2 or ctr.shape[1] != 4:
        raise ValueError(f"counter must have shape (n, 4), got {ctr.shape}")
    k = _as_words(key, "key")
    if k.shape[-1:] != (2,) or k.ndim > 2:
        raise ValueError(f"key must have shape (2,) or (n, 2), got {k.shape}")
    if rounds < 0:
        raise ValueError(f"rounds must be non-negative, got {rounds}")
    out = _philox_words([ctr[:, i] for i in range(4)], k[..., 0], k[..., 1], rounds)
    return np.stack(out, axis=1).astype(np.uint32)


def _as_words(values: npt.ArrayLike, name: str) -> WordArray:
    """Validate integers in [0, 2**32) and widen them to uint64 for overflow-free products."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu" and arr.size:  # np.asarray([]) is float64, yet harmless
        raise ValueError(f"{name} must be integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > _MASK32):
        raise ValueError(f"{name} values must lie in [0, 2**32)")
    return arr.astype(np.uint64)


def _seed_key(seed: int) -> tuple[np.uint64, np.uint64]:
    """Split a 64-bit root seed into the two Philox key words."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an int in [0, 2**64), got {seed!r}")
    return np.uint64(int(seed) & _MASK32), np.uint64(int(seed) >> 32)


def uniforms(
    seed: int, stream: Stream, customer: npt.ArrayLike, invoice: npt.ArrayLike, count: int = 1
) -> FloatArray:
    """Draws 0..count-1 of each (customer, invoice) pair on one stream.

    Draw j depends only on (seed, stream, customer, invoice, j), never on ``count``, on the
    other rows, or on call order.

    Args:
        seed: Root seed in [0, 2**64).
        stream: Which source of randomness.
        customer: Customer ids in [0, 2**32); scalar or 1-D, broadcast against ``invoice``.
        invoice: Invoice ids in [0, 2**32); scalar or 1-D.
        count: Draws per row.

    Returns:
        Shape (n, count) float64 array with values strictly inside (0, 1).

    Raises:
        ValueError: On an out-of-range seed, id, stream or count.
    """
    k0, k1 = _seed_key(seed)
    stream = Stream(stream)
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    cust, inv = np.broadcast_arrays(_as_words(customer, "customer"), _as_words(invoice, "invoice"))
    if cust.ndim > 1:
        raise ValueError(f"customer and invoice must broadcast to 1-D, got {cust.shape}")
    cust, inv = np.atleast_1d(cust), np.atleast_1d(inv)
    result = np.empty((cust.shape[0], count))
    rng.fill_uniforms(k0, k1, int(stream), np.array(cust, copy=True),
                      np.array(inv, copy=True), result)
    return result


def uniform(seed: int, stream: Stream, customer: int, invoice: int, index: int = 0) -> float:
    """One scalar draw; equals ``uniforms(seed, stream, customer, invoice, index + 1)[0, index]``.

    Raises:
        ValueError: On an out-of-range argument or a negative index.
    """
    if index < 0:
        raise ValueError(f"index must be non-negative, got {index}")
    return float(uniforms(seed, stream, customer, invoice, index + 1)[0, index])


def exponential(u: npt.ArrayLike, mean: npt.ArrayLike) -> FloatArray:
    """Exponential quantile: -mean * ln(1 - u) (rng.exponential_q)."""
    return np.asarray(_exponential(np.asarray(u, dtype=np.float64),
                                   np.asarray(mean, dtype=np.float64)), dtype=np.float64)


def lognormal(u: npt.ArrayLike, mean: npt.ArrayLike, cv: npt.ArrayLike) -> FloatArray:
    """Lognormal quantile parameterised by its mean and coefficient of variation.

    Invoice amounts and lags are quoted as "mean and spread" by practitioners, so we solve for
    the underlying normal: sigma**2 = ln(1 + cv**2), mu = ln(mean) - sigma**2 / 2.

    Raises:
        ValueError: If mean <= 0 or cv < 0.
    """
    m, c = _mean_cv(mean, cv)
    mu, sigma = lognormal_params(m, c)
    x = _lognormal(np.asarray(u, dtype=np.float64), mu, sigma)
    # exp(log(m)) may be off by an ulp; cv == 0 must give the mean exactly.
    return np.asarray(np.where(c == 0, m, x), dtype=np.float64)


def lognormal_params(mean: npt.ArrayLike, cv: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(mu, sigma) of the underlying normal: the numbers `rng.lognormal_q` takes."""
    m, c = np.asarray(mean, dtype=np.float64), np.asarray(cv, dtype=np.float64)
    sigma2 = np.log1p(c * c)
    return np.log(m) - sigma2 / 2, np.sqrt(sigma2)


def gamma(u: npt.ArrayLike, mean: npt.ArrayLike, cv: npt.ArrayLike) -> FloatArray:
    """Gamma quantile with the given mean and coefficient of variation (shape 1/cv**2).

    Raises:
        ValueError: If mean <= 0 or cv < 0.
    """
    m, c = _mean_cv(mean, cv)
    shape, scale = gamma_params(m, c)
    x = _gamma(np.asarray(u, dtype=np.float64), shape, scale)
    return np.asarray(np.where(c == 0, m, x), dtype=np.float64)


def gamma_params(mean: npt.ArrayLike, cv: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(shape, scale) = (1 / cv**2, mean cv**2): the numbers `rng.gamma_q` takes (cv = 0 is
    left to the caller, which gives the mean itself)."""
    m, c = np.asarray(mean, dtype=np.float64), np.asarray(cv, dtype=np.float64)
    c_safe = np.where(c > 0, c, 1.0)  # avoid 1/0 where the degenerate branch is taken anyway
    return 1.0 / c_safe**2, m * c_safe**2


def _mean_cv(mean: npt.ArrayLike, cv: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate and convert (mean, cv) parameters for the positive-valued transforms."""
    m, c = np.asarray(mean, dtype=np.float64), np.asarray(cv, dtype=np.float64)
    if np.any(~(m > 0)) or np.any(~(c >= 0)):  # also rejects NaN
        raise ValueError("mean must be > 0 and cv >= 0")
    return m, c


def categorical(u: npt.ArrayLike, shares: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Category index 0..k-1 whose cumulative-share interval contains u.

    Args:
        u: Uniform draws.
        shares: 1-D non-negative probabilities summing to 1 within 1e-9.

    Returns:
        int64 indices, same shape as ``u``. The last category with a positive share absorbs
        rounding, so a zero-share category is never returned.

    Raises:
        ValueError: On negative, empty or non-normalised shares.
    """
    p = np.asarray(shares, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(~(p >= 0)) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError("shares must be a non-empty 1-D array of non-negative values summing to 1")
    cum = np.cumsum(p)
    last = int(np.flatnonzero(p)[-1])
    cum[last:] = np.inf  # cumsum may stop just short of 1; no u may fall beyond `last`
    return np.searchsorted(cum, np.asarray(u), side="right").astype(np.int64)


def weibull_survival(
    age_years: npt.ArrayLike, scale_years: npt.ArrayLike, shape: npt.ArrayLike
) -> FloatArray:
    """Weibull survival exp(-(age / scale)**shape); 1 for age <= 0 (nothing has happened yet).

    Raises:
        ValueError: If scale or shape is not positive.
    """
    scale, k = np.asarray(scale_years, dtype=np.float64), np.asarray(shape, dtype=np.float64)
    if np.any(~(scale > 0)) or np.any(~(k > 0)):
        raise ValueError("scale_years and shape must be > 0")
    age = np.maximum(np.asarray(age_years, dtype=np.float64), 0.0)
    return np.asarray(np.exp(-((age / scale) ** k)), dtype=np.float64)


@functools.cache
def _ufuncs() -> dict[str, Any]:
    """The array forms of the compiled quantiles (ufuncs: they broadcast like NumPy's own),
    made on first use: building them starts numba's compiler, which a process that only
    validates a scenario never needs (about 65 MB and most of a second)."""
    unary, binary = ["float64(float64, float64)"], ["float64(float64, float64, float64)"]
    return {"exponential": numba.vectorize(unary, cache=True)(rng.exponential_q),
            "lognormal": numba.vectorize(binary, cache=True)(rng.lognormal_q),
            "gamma": numba.vectorize(binary, cache=True)(rng.gamma_q)}


def _exponential(u: FloatArray, mean: FloatArray) -> FloatArray:
    return np.asarray(_ufuncs()["exponential"](u, mean))


def _lognormal(u: FloatArray, mu: FloatArray, sigma: FloatArray) -> FloatArray:
    return np.asarray(_ufuncs()["lognormal"](u, mu, sigma))


def _gamma(u: FloatArray, shape: FloatArray, scale: FloatArray) -> FloatArray:
    # The compiled Newton iteration may raise floating-point flags on a branch whose result
    # it then discards (a step over a density that underflowed to zero is computed, then not
    # taken); NumPy would report those flags as warnings. Every result is finite.
    with np.errstate(all="ignore"):
        return np.asarray(_ufuncs()["gamma"](u, shape, scale))
