.PHONY: model corpus stats test lint bench

corpus:
	python scripts/build_corpus.py

stats:
	python scripts/corpus_stats.py

model:
	python scripts/build_default_model.py

test:
	python -m pytest -q

lint:
	ruff check src tests scripts benchmarks && ruff format --check src tests && mypy

bench:
	python benchmarks/bench_code.py
