"""The seed's ten strategies as analyzer plugins (seed: src/vm/Analyzers/list/st_*.js).

Each module follows one seed file (named in its docstring), reads flags only, writes
none, and emits signals through `io.make_entry`. Parameters default to the seed's
numbers. Comparisons with a missing flag follow JavaScript, where `null` compares as 0.
"""
