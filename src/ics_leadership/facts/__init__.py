"""The paper as data: study facts, Table 1, codebook, conceptual model, claims and their evaluation, COREQ, consistency."""
