"""Built-in analyzers: one module per seed analyzer, discovered by the registry."""
