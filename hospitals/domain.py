"""Pure rules about hospitals and contacts: pinyin keys for search. No ORM here."""

import functools
import re

from pypinyin import Style, lazy_pinyin, pinyin

_SPACES = re.compile(r"\s+")


def _as_letters(chars: str) -> str:
    """Characters pypinyin has no pinyin for (Latin letters, digits), kept as they are."""
    return chars


def pinyin_keys(text: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name, lower case, no spaces.

    >>> pinyin_keys("北京协和医院")
    ('beijingxieheyiyuan', 'bjxhyy')

    Latin letters and digits are kept as they are in both keys ("301医院" -> "301yy").
    """
    text = _SPACES.sub("", text or "")
    if not text:
        return "", ""
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors=_as_letters)
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=_as_letters)
    return "".join(syllables).lower(), "".join(initials).lower()


def search_text(*names: str, person: bool = False) -> str:
    """One lower-case string holding every name and its pinyin keys, for a single LIKE.

    For a person's name every reading of the first character is added too, because surnames
    are often read differently from the word (曾 is "zeng" as a surname, "ceng" in 曾经).
    """
    parts: list[str] = []
    for name in names:
        name = _SPACES.sub("", name or "")
        if not name:
            continue
        full, initials = pinyin_keys(name)
        parts.extend([name.lower(), full, initials])
        if person:
            rest_full, rest_initials = pinyin_keys(name[1:])
            for reading in pinyin(name[0], style=Style.NORMAL, heteronym=True)[0]:
                parts.extend([reading + rest_full, reading[0] + rest_initials])
    return " ".join(dict.fromkeys(p for p in parts if p))


def search_terms(query: str) -> list[str]:
    """Split a search box query into lower-case terms; every term must match."""
    return [term for term in _SPACES.split((query or "").strip().lower()) if term][:5]


@functools.lru_cache(maxsize=4096)
def person_words(name: str, username: str) -> tuple[str, ...]:
    """The words a colleague is found by: the name, its pinyin and initials (every reading of
    the surname) and the username, lower case. Kept per process: the owner type-ahead reads
    the same few hundred names on every keystroke."""
    return tuple(search_text(name, person=True).split()) + (username.lower(),)


def person_matches(words: tuple[str, ...], terms: list[str]) -> bool:
    """Every term is in one of the words; a single Latin letter only at a word's start (the
    surname's initial: "l" finds 刘 and 李, not every name with an "l" in its pinyin)."""
    return all(any(w.startswith(t) if one_letter(t) else t in w for w in words) for t in terms)


def one_letter(term: str) -> bool:
    """A term of one Latin letter: searches take it for a syllable's initial."""
    return len(term) == 1 and "a" <= term <= "z"
