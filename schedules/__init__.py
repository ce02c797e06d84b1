"""APScheduler owns time: the daemon's jobs and triggers."""
