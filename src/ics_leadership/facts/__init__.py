"""The paper as data: study facts, Table 1, codebook, conceptual model, claims and their evaluation, COREQ,
consistency, the paper's vocabulary of levels, stages, sites and groups (:mod:`.vocabulary`) and its raw
tables (:mod:`.raw_tables`), and the synthetic demonstration corpus fed from them (:mod:`.demo_corpus`)."""
