"""The learner's choice of samples, typed as "0", "0-3" or "1, 5, 9"."""

from __future__ import annotations

MAX_SAMPLES = 100


class SampleChoiceError(ValueError):
    """``text`` could not be read; ``reason`` is one of "syntax", "range", "count", "empty"."""

    def __init__(self, text: str, reason: str, limit: int = 0):
        self.text, self.reason, self.limit = text, reason, limit
        super().__init__(f"{text!r}: {reason}")


def parse_samples(text: str, n_available: int) -> list[int]:
    out: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise SampleChoiceError(part, "syntax") from None
        if a > b:
            a, b = b, a
        if a < 0 or b >= n_available:
            raise SampleChoiceError(part, "range", n_available - 1)
        out.extend(range(a, b + 1))
        if len(out) > MAX_SAMPLES:
            raise SampleChoiceError(text, "count", MAX_SAMPLES)
    if not out:
        raise SampleChoiceError(text, "empty")
    return out
