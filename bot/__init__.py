"""concernbot core: domain, dialog engine, use cases, storage and delivery."""
