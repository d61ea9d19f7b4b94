"""Readers and writers: txt, folders, JSONL, CSV, Parquet, Hugging Face datasets, REFI-QDA."""
