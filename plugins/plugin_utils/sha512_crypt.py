# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SHA-512 crypt ($6$) in pure Python, for the nginx htpasswd file.

The sha512_crypt filter runs it on the controller, so hashing costs no round trip.
ansible.builtin.password_hash needs passlib (or the crypt module, gone in
Python 3.13) on the controller; this needs only hashlib. The algorithm is Ulrich Drepper's
"Unix crypt using SHA-256 and SHA-512" (the glibc/libxcrypt/musl `$6$`
scheme that nginx's auth_basic_user_file verifies through crypt(3)).
With a fixed salt the output is deterministic, so the template is idempotent.
"""

from __future__ import annotations

import hashlib
import re

_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SALT_RE = re.compile(r"^[./0-9A-Za-z]{1,16}$")
_ROUNDS_DEFAULT = 5000
# Byte order of the final base-64 encoding, three bytes at a time (from the spec).
_ORDER = [
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
    (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54),
    (34, 55, 13), (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60),
    (40, 61, 19), (62, 20, 41),
]  # fmt: skip


def _b64(b2: int, b1: int, b0: int, n: int) -> str:
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _i in range(n):
        out.append(_ALPHABET[w & 0x3F])
        w >>= 6
    return "".join(out)


def _repeat(digest: bytes, length: int) -> bytes:
    return (digest * (length // len(digest) + 1))[:length]


def sha512_crypt(password: str, salt: str, rounds: int = _ROUNDS_DEFAULT) -> str:
    """Return the `$6$` crypt(3) hash of password with the given salt."""
    if not _SALT_RE.match(salt):
        raise ValueError("salt must be 1-16 characters from [./0-9A-Za-z]")
    rounds = int(rounds)
    if not 1000 <= rounds <= 999_999_999:
        raise ValueError("rounds must lie in 1000-999999999")
    pw = password.encode("utf-8")
    sb = salt.encode("ascii")

    alt = hashlib.sha512(pw + sb + pw).digest()
    ctx = hashlib.sha512(pw + sb + _repeat(alt, len(pw)))
    n = len(pw)
    while n:
        ctx.update(alt if n & 1 else pw)
        n >>= 1
    a = ctx.digest()

    dp = _repeat(hashlib.sha512(pw * len(pw)).digest(), len(pw))
    ds = _repeat(hashlib.sha512(sb * (16 + a[0])).digest(), len(sb))

    c = a
    for i in range(rounds):
        h = hashlib.sha512(dp if i & 1 else c)
        if i % 3:
            h.update(ds)
        if i % 7:
            h.update(dp)
        h.update(c if i & 1 else dp)
        c = h.digest()

    encoded = "".join(_b64(c[x], c[y], c[z], 4) for x, y, z in _ORDER) + _b64(0, 0, c[63], 2)
    prefix = "$6$" if rounds == _ROUNDS_DEFAULT else f"$6$rounds={rounds}$"
    return f"{prefix}{salt}${encoded}"
