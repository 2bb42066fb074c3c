"""Qt views. Thin: they show state from core models and send intents to core services."""
