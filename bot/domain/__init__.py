"""The domain: networks, members, concerns, their deadlines and vocabulary."""
