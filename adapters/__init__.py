"""Channel adapters: translate platform events in, render core replies out."""
