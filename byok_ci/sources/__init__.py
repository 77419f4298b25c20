"""Sources yield chunks of text with where they came from; they know nothing of rules."""
