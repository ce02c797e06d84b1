"""Natasha's Russian news NER as a spaCy component, so a Russian pipeline has the same shape as the others.

The ``natasha`` package ships its model inside the wheel (slovnet's NER, trained on Russian news, over
navec's compressed embeddings), so loading it reads two local files and never touches the network. The
component runs on spaCy's own tokens: natasha tags the text, and each of its character spans becomes an
ordinary ``doc.ents`` span (widened to whole tokens), labelled ``PER``, ``LOC`` or ``ORG`` as natasha
labels them; ``entity_labels`` maps those to newsmon's labels further down the pipeline.

Natasha's network is numpy matrix products over one small batch at a time, where BLAS threads cost far
more in hand-offs than they gain: natasha runs with BLAS held to one thread and in batches of 32, for
about a fifth of the CPU time of numpy's default threads and natasha's batches of 8 on a busy 2-core
machine (``bench/models.py``, the row marked "defaults"; parallelism comes from ``[nlp] processes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans, minibatch

FACTORY = "natasha_ner"
LABELS = ("PER", "LOC", "ORG")


class NatashaNer:
    """Sets ``doc.ents`` from natasha's spans; texts go to natasha a batch at a time."""

    labels = LABELS

    def __init__(self, batch_size: int = 32, blas_threads: int = 1) -> None:
        from natasha import NewsEmbedding, NewsNERTagger
        from threadpoolctl import ThreadpoolController

        self.tagger = NewsNERTagger(NewsEmbedding())
        self.tagger.batch_size = self.tagger.infer.encoder.batch_size = batch_size
        self.blas = ThreadpoolController()
        self.blas_threads = blas_threads or None  # 0: numpy's own default

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            # natasha fails on a batch without a single word; a text without a letter or digit has no name
            texts = [doc for doc in batch if any(c.isalnum() for c in doc.text)]
            with self.blas.limit(limits=self.blas_threads, user_api="blas"):
                markups = dict(zip(map(id, texts), self.tagger.map([doc.text for doc in texts])))
            for doc in batch:
                spans = markups[id(doc)].spans if id(doc) in markups else []
                yield set_entities(doc, [(s.start, s.stop, s.type) for s in spans])


def set_entities(doc: Doc, spans: list[tuple[int, int, str]]) -> Doc:
    """``doc.ents`` from character spans, each widened to the tokens it touches; overlaps keep the longest."""
    found = [doc.char_span(start, end, label=label, alignment_mode="expand") for start, end, label in spans]
    doc.ents = filter_spans([span for span in found if span is not None and span.text.strip()])
    return doc


@Language.factory(FACTORY, default_config={"batch_size": 32, "blas_threads": 1}, assigns=["doc.ents"])
def make_natasha_ner(nlp: Language, name: str, batch_size: int, blas_threads: int) -> NatashaNer:
    return NatashaNer(batch_size, blas_threads)
