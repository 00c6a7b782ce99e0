"""The paper as data: study facts, Table 1, codebook, conceptual model, claims and their evaluation, COREQ,
consistency, and the synthetic demonstration corpus fed from them (:mod:`.demo_corpus`)."""
