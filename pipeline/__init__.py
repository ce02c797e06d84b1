"""Plain-Python processing: extraction, storage, NLP, matching and delivery (no Scrapy here)."""
