"""Publishing: the notebook pipeline, the book, the PDF, reproducibility and the colophon."""
