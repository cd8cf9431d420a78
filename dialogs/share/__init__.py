"""The share-a-concern dialog in parts: its texts, its summary and the steps themselves."""
