"""English terms as people read them: real words, no token repeated.

The pipeline matches and counts English by simplemma lemma, and a lemma is not always a word:
simplemma gives ``cancell`` for "cancelled" and "cancelling". For display, each lemma becomes
itself when the comments use it as a word, and otherwise the word the comments use most for it
(``cancell`` -> "cancelled"); a phrase shows each of its words once ("broadband broadband" ->
"broadband"). Chinese terms are shown as they are. Pure: no Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from analysis.text.segment import english_words, lemma_en


class SurfaceForms:
    """The words a set of (normalised) comments uses for each English lemma."""

    def __init__(self, texts: Iterable[str]) -> None:
        words: Counter[str] = Counter()
        for text in texts:
            if text:
                words.update(english_words(text))
        self._forms: dict[str, Counter[str]] = {}
        for word, count in words.items():
            self._forms.setdefault(lemma_en(word), Counter())[word] += count

    def word(self, lemma: str) -> str:
        """The lemma when the comments use it as a word, else their most used word for it."""
        forms = self._forms.get(lemma)
        if not forms or lemma in forms:
            return lemma
        return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]

    def term(self, term: str) -> str:
        """A keyword or phrase for display: English words as real words, each word once."""
        if not term or not any("a" <= c <= "z" for c in term):
            return term
        shown: list[str] = []
        for part in term.split(" "):
            word = self.word(part) if part.isascii() else part
            if word not in shown:
                shown.append(word)
        return " ".join(shown)
