"""The application: wiring, settings, the command line and operations."""
