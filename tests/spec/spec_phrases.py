"""Phrase semantics, as the README states them for ``keywords``, ``context`` and ``says``: matching
ignores case; the ``exclude`` phrases are cut out of the text first (what is left on either side
of a cut does not join up); then the text is read left to right, and at each place the longest
phrase found there is taken and reading goes on after it. A message says the phrases taken, each
counted once, in the order first taken."""


def cut_out(text: str, phrases: list[str]) -> list[str]:
    """The pieces of ``text`` left once every (longest, leftmost) occurrence of ``phrases`` is cut out."""
    pieces, start, i = [], 0, 0
    while i < len(text):
        found = longest_at(text, i, phrases)
        if found:
            pieces.append(text[start:i])
            i += len(found)
            start = i
        else:
            i += 1
    return [*pieces, text[start:]]


def longest_at(text: str, i: int, phrases: list[str]) -> str | None:
    """The longest of ``phrases`` that starts at ``text[i]``, if any."""
    here = [p for p in phrases if p and text.startswith(p, i)]
    return max(here, key=len) if here else None


def phrases_said(
    text: str | None, phrases: list[str], exclude: list[str] = (), case_sensitive: bool = False
) -> list[str]:
    """The distinct phrases ``text`` says, in the order first taken (lower-cased unless case-sensitive)."""

    def fold(s):
        return s if case_sensitive else s.lower()

    phrases, said = [fold(p) for p in phrases], []
    for piece in cut_out(fold(text or ""), [fold(e) for e in exclude]):
        i = 0
        while i < len(piece):
            found = longest_at(piece, i, phrases)
            if found and found not in said:
                said.append(found)
            i += len(found) if found else 1
    return said
