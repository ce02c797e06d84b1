"""newsmon: scheduled spiders collect news, spaCy finds entities, watchlist matches are stored and mailed."""

__version__ = "0.1.0"
