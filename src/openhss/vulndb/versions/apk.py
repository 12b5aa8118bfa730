"""Alpine package versions, ordered exactly as apk-tools' version.c tokenises and compares them."""

from __future__ import annotations

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

# apk-tools' token types; the number is the type's rank in apk's comparison.
_INVALID = -1
_DIGIT_OR_ZERO = 0
_DIGIT = 1
_LETTER = 2
_SUFFIX = 3
_SUFFIX_NO = 4
_REVISION_NO = 5
_END = 6

_PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")
_POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")

ApkKey = tuple[float | int, ...]


def _next_type(t: int, s: str, pos: int) -> tuple[int, int]:
    """The type of the token at `pos`, after its separator; returns (type, position after separator)."""
    n = _INVALID
    if pos >= len(s) or s[pos] == "\0":
        n = _END
    elif t in (_DIGIT, _DIGIT_OR_ZERO) and "a" <= s[pos] <= "z":
        n = _LETTER
    elif t == _LETTER and s[pos].isdigit() and s[pos].isascii():
        n = _DIGIT
    elif t == _SUFFIX and s[pos].isdigit() and s[pos].isascii():
        n = _SUFFIX_NO
    else:
        c = s[pos]
        if c == ".":
            n = _DIGIT_OR_ZERO
        elif c == "_":
            n = _SUFFIX
        elif c == "-" and pos + 1 < len(s) and s[pos + 1] == "r":
            n = _REVISION_NO
            pos += 1
        pos += 1
    if n < t and not (
        (n == _DIGIT_OR_ZERO and t == _DIGIT)
        or (n == _SUFFIX and t == _SUFFIX_NO)
        or (n == _DIGIT and t == _LETTER)
    ):
        n = _INVALID
    return n, pos


def _tokens(s: str) -> list[tuple[int, int]]:
    """(value, type of the next token) pairs, as apk's get_token yields them, up to END or INVALID."""
    out: list[tuple[int, int]] = []
    t, pos = _DIGIT, 0
    while True:
        if pos >= len(s):
            out.append((0, _END))
            return out
        i, nt, v = pos, _INVALID, 0
        if t == _DIGIT_OR_ZERO and s[i] == "0":
            # Leading zeros of a component: the more zeros, the smaller.
            while i < len(s) and s[i] == "0":
                i += 1
            nt, v = _DIGIT, pos - i
        elif t in (_DIGIT_OR_ZERO, _DIGIT, _SUFFIX_NO, _REVISION_NO):
            while i < len(s) and "0" <= s[i] <= "9":
                v = v * 10 + ord(s[i]) - 48
                i += 1
            if i - pos >= 18:
                out.append((-1, _INVALID))
                return out
        elif t == _LETTER:
            v = ord(s[i])
            i += 1
        elif t == _SUFFIX:
            for k, suffix in enumerate(_PRE_SUFFIXES):
                if s.startswith(suffix, i):
                    v, i = k - len(_PRE_SUFFIXES), i + len(suffix)
                    break
            else:
                for k, suffix in enumerate(_POST_SUFFIXES):
                    if s.startswith(suffix, i):
                        v, i = k, i + len(suffix)
                        break
                else:
                    out.append((-1, _INVALID))
                    return out
        else:
            out.append((-1, _INVALID))
            return out
        pos = i
        if pos >= len(s):
            t = _END
        elif nt != _INVALID:
            t = nt
        else:
            t, pos = _next_type(t, s, pos)
        out.append((v, t))
        if t in (_END, _INVALID):
            return out


def _rank(next_type: int, next_value: int | None) -> float:
    """Where the next token's type ranks when two versions part ways at it (apk's tail rule).

    A pre-release suffix (`_alpha`..`_rc`, or an unknown one) is older than anything; otherwise the
    higher the type, the older the version, so `1.0` < `1.0.1` and `1.0-r1` < `1.0.1`.
    """
    if next_type == _SUFFIX and next_value is not None and next_value < 0:
        return -100
    return -next_type


def apk_key(s: str) -> ApkKey:
    """A tuple that orders as apk_version_compare: alternating token values and next-type ranks."""
    toks = _tokens(s)
    key: list[float | int] = []
    for n, (value, next_type) in enumerate(toks):
        following = toks[n + 1][0] if n + 1 < len(toks) else (-1 if next_type == _SUFFIX else None)
        key.append(value)
        key.append(_rank(next_type, following))
    return tuple(key)


class ApkScheme(VersionScheme):
    """apk's order: `1.2.3a_rc1_p2-r4`; `_alpha`<`_beta`<`_pre`<`_rc`<release<`_cvs`<`_svn`<`_git`<`_hg`<`_p`.

    Like apk itself this orders any string; only versions not starting with a digit are refused.
    Exact to apk-tools 2.x version.c, quirks included: a component made only of zeros is a token of
    its own, so apk (and this) says `1.0_rc1` > `1.0` though `1.1_rc1` < `1.1`.
    """

    name = "apk"

    def _parse(self, version: str) -> ApkKey:
        v = version.strip()
        if not v or not ("0" <= v[0] <= "9"):
            raise InvalidVersion(self.name, version, "does not start with a digit")
        return apk_key(v)
