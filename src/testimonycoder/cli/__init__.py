"""The command-line interface: one module per command, all thin wrappers over the library."""
