"""The store: models, unit of work, audit chain and knowledge-base index."""
