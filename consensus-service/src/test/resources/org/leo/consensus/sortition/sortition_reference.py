#!/usr/bin/env python3
"""Leo credit-weighted sortition, written again from docs/sortition.md with Python's decimal
module and nothing from the Java code. It prints the test vectors that SortitionVectorsTest checks
the Java implementation against:

    python3 sortition_reference.py > sortition-vectors.txt

Lines: "votes w W tau beta-hex votes" and "boundary w W tau k S_k" (S_k: the rounded cumulative
sum that ends the interval of k votes). Betas are SHA-512("leo-sortition-vector-<i>") (any
language can rebuild them), 0, 2^512 - 1, and the integers on either side of the first boundaries.
"""
import hashlib
from decimal import Context, Decimal, ROUND_HALF_EVEN, MAX_EMAX, MIN_EMIN
from fractions import Fraction

BETA_BYTES = 64
DIGITS = 170
MAX_EXPECTED_SIZE = 10_000
C = Context(prec=DIGITS, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN)


def power(q, e):
    """Left-to-right square-and-multiply from the highest set bit, every product rounded."""
    r = Decimal(1)
    for bit in range(e.bit_length() - 1, -1, -1):
        r = C.multiply(r, r)
        if (e >> bit) & 1:
            r = C.multiply(r, q)
    return r


def boundaries(w, W, tau):
    """Yields (k, S_k) for k = 0 .. w - 1 (S_w is 1 by definition); 0 < tau < W, w >= 1."""
    q = C.divide(Decimal(W - tau), Decimal(W))
    t = power(q, w)
    s = t
    k = 0
    while True:
        yield k, s
        if k + 1 >= w:
            return
        k += 1
        t = C.divide(C.multiply(t, Decimal((w - k + 1) * tau)), Decimal(k * (W - tau)))
        s = C.add(s, t)


def votes(beta, w, W, tau):
    assert len(beta) == BETA_BYTES and 1 <= W and 0 <= w <= W and 1 <= tau <= MAX_EXPECTED_SIZE
    if w == 0:
        return 0
    if tau >= W:
        return w
    x = Fraction(int.from_bytes(beta, "big"), 2 ** (8 * BETA_BYTES))
    for k, s in boundaries(w, W, tau):
        if x < Fraction(s):
            return k
    return w


CASES = [
    (1, 4, 1), (2, 4, 1), (3, 7, 3), (1, 3, 1), (100, 1000, 63), (100, 10_000, 63),
    (900, 18_000, 63), (12_345, 98_765, 7), (50, 60, 59), (1_000_000, 1_000_000, 1000),
    (1_000_000, 2_000_000, 1000), (10 ** 12, 10 ** 15, 10_000), (10, 10, 10), (5, 5, 7), (3, 5, 7),
    (0, 10, 5),
]


def main():
    top = 2 ** (8 * BETA_BYTES) - 1
    for w, W, tau in CASES:
        betas = [hashlib.sha512(b"leo-sortition-vector-%d" % i).digest() for i in range(8)]
        betas += [bytes(BETA_BYTES), top.to_bytes(BETA_BYTES, "big")]
        if 0 < w and tau < W:
            for k, s in boundaries(w, W, tau):
                if k >= 4:
                    break
                print("boundary", w, W, tau, k, s)
                edge = -((-Fraction(s) * 2 ** (8 * BETA_BYTES)).__floor__())  # ceil(S_k * 2^512)
                betas += [n.to_bytes(BETA_BYTES, "big") for n in (edge - 1, edge) if 0 <= n <= top]
        for beta in betas:
            print("votes", w, W, tau, beta.hex(), votes(beta, w, W, tau))


if __name__ == "__main__":
    main()
