"""Benchmark inputs built from public corpora (see README, "Evaluation")."""
