"""Newsmon's entity labels for every model: one spaCy component that renames a model's own labels.

English models label in OntoNotes' scheme (PERSON, ORG, GPE for countries and cities, LOC for other
places), which is what newsmon stores and what the watchlist uses. French (WikiNER) and Russian
(natasha) models label PER, ORG, LOC and MISC, where LOC covers countries and cities too; renaming PER
to PERSON and LOC to GPE lets new names, entity keys, list-like sentences (places per sentence) and the
digest treat every language alike. MISC has no counterpart and is not stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

FACTORY = "entity_labels"
WIKINER_LABELS = {"PER": "PERSON", "LOC": "GPE"}


def label_map(labels: Iterable[str]) -> dict[str, str]:
    """The renaming a model with these NER labels needs: none for OntoNotes-style models."""
    labels = set(labels)
    return {} if "PERSON" in labels or "PER" not in labels else dict(WIKINER_LABELS)


class EntityLabels:
    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    def __call__(self, doc: Doc) -> Doc:
        doc.ents = [
            Span(doc, ent.start, ent.end, label=self.labels.get(ent.label_, ent.label_), kb_id=ent.kb_id)
            for ent in doc.ents
        ]
        return doc


@Language.factory(FACTORY, default_config={"labels": {}}, assigns=["doc.ents"])
def make_entity_labels(nlp: Language, name: str, labels: dict[str, str]) -> EntityLabels:
    return EntityLabels(labels)
