"""The bundled sample news site that ``newsmon demo`` serves: stories, outlets and page templates."""
