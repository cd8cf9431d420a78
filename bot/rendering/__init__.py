"""Documents the bot makes for people to keep or look at (a case sheet PDF, charts)."""
