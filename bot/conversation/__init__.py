"""One event in, one turn: the dialog engine, routing and input hygiene."""
