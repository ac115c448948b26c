"""A prefetch hint for compiled loops: ask the processor to bring a line into its caches.

Why: at 100,000 customers the SimPy engine's book no longer fits in the caches, and each
order reads about fifteen per-customer values, each from its own array, so each is a trip
to memory (about 100 ns on this machine's kind of processor). The out-of-order core cannot
overlap the trips of one order with those of the next, because an order's own work (its
draws, its ladder walk) is hundreds of instructions long. The orders of a day are known
before the day starts, though, so the kernel asks for the next orders' lines while it works
on this one (`events._kernel`).

A hint changes no value and no result: it only moves a line into the cache earlier. It is
not a load, so an address it cannot serve (past an array's end, say, from a listing gone
stale) makes the processor drop it, never fault; the address is computed in plain integer
arithmetic, so forming one is never undefined behaviour for the compiler either.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch", "prefetch_at"]

_I8P = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)


def _hint(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    """Call llvm.prefetch (read, keep in all cache levels, data) at the address of
    array[i] or array[i, j]: the data pointer plus each index times its stride."""
    aryty = signature.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    strides = cgutils.unpack_tuple(builder, ary.strides, aryty.ndim)
    offset = ir.Constant(ir.IntType(64), 0)
    for axis, (value, valuety) in enumerate(zip(args[1:], signature.args[1:], strict=True)):
        index = context.cast(builder, value, valuety, types.intp)
        offset = builder.add(offset, builder.mul(index, strides[axis]))
    base = builder.ptrtoint(ary.data, ir.IntType(64))
    address = builder.inttoptr(builder.add(base, offset), _I8P)
    fnty = ir.FunctionType(ir.VoidType(), [_I8P, _I32, _I32, _I32])
    fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
    builder.call(fn, [address, _I32(0), _I32(3), _I32(1)])
    return context.get_dummy_value()


def _prefetch_typer(typingctx: Any, array: Any, i: Any) -> Any:
    """prefetch(array, i): the line holding array[i] (a row's first element if 2-D+)."""
    if not isinstance(array, types.Array) or not isinstance(i, types.Integer):
        return None
    return types.none(array, i), _hint


def _prefetch_at_typer(typingctx: Any, array: Any, i: Any, j: Any) -> Any:
    """prefetch_at(array, i, j): the line holding array[i, j] of a 2-D+ array."""
    if (not isinstance(array, types.Array) or array.ndim < 2
            or not isinstance(i, types.Integer) or not isinstance(j, types.Integer)):
        return None
    return types.none(array, i, j), _hint


prefetch: Any = intrinsic(_prefetch_typer)
prefetch_at: Any = intrinsic(_prefetch_at_typer)
