"""Export pages."""
