"""The default engine: an extractive answer from knowledge-base passages, with citations."""

from __future__ import annotations

import re

from bot.domain.labels import Citation
from bot.ports import DraftResult, Passage
from bot.store.kb_index import query_terms

__all__ = ["NOTHING_FOUND", "KnowledgeBaseDrafter", "citations_for"]

NOTHING_FOUND = "I found nothing about this in the knowledge base."
MAX_UNITS = 6
MAX_UNITS_PER_PASSAGE = 3
RELATIVE_PASSAGE_SCORE = 0.4  # passages scoring below 40% of the best are left out


def citations_for(passages: list[Passage]) -> tuple[Citation, ...]:
    return tuple(
        Citation(number=i, title=p.title, section=p.section, source=p.source)
        for i, p in enumerate(passages, start=1)
    )


def _units(passage_text: str) -> list[str]:
    """List items and sentences: the pieces an extractive answer is made of."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n", passage_text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(re.match(r"^([-*+]|\d+[.)])\s+", line) for line in lines):
            units.extend(re.sub(r"^([-*+]|\d+[.)])\s+", "", line) for line in lines)
            continue
        prose = " ".join(lines)
        units.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", prose) if s.strip())
    return units


def _score(unit: str, terms: list[str]) -> int:
    body = unit.lower()
    return sum(1 for term in terms if (term[:5] if len(term) > 5 else term) in body)


class KnowledgeBaseDrafter:
    """Answers only with sentences taken from the passages; never invents text."""

    name = "kb"

    async def draft(self, *, question: str, passages: list[Passage]) -> DraftResult:
        if not passages:
            return DraftResult(text=NOTHING_FOUND, citations=(), engine=self.name, model="extractive", found_nothing=True)
        terms = query_terms(question)
        best_passage = max(p.score for p in passages)
        passages = [p for p in passages if p.score >= best_passage * RELATIVE_PASSAGE_SCORE]
        picked: list[tuple[int, int, int, str]] = []  # (score, passage number, position, unit)
        for number, passage in enumerate(passages, start=1):
            scored = [(_score(unit, terms), pos, unit) for pos, unit in enumerate(_units(passage.text))]
            best = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))[:MAX_UNITS_PER_PASSAGE]
            if not best and number == 1:
                best = scored[:2]
            picked.extend((score, number, pos, unit) for score, pos, unit in best)
        top = max((p[0] for p in picked), default=0)
        picked = [p for p in picked if p[0] * 2 >= top]  # drop units far weaker than the best
        picked = sorted(picked, key=lambda p: (-p[0], p[1], p[2]))[:MAX_UNITS]
        picked.sort(key=lambda p: (p[1], p[2]))
        used = sorted({number for _, number, _, _ in picked})
        renumber = {old: new for new, old in enumerate(used, start=1)}
        lines = [f"• {unit} [{renumber[number]}]" for _, number, _, unit in picked]
        text = "Here is what the knowledge base says:\n\n" + "\n".join(lines)
        cited = citations_for([passages[n - 1] for n in used])
        return DraftResult(text=text, citations=cited, engine=self.name, model="extractive")
