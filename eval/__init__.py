"""Evaluation scripts: accuracy of wirebeam's stages on public data (see README)."""
