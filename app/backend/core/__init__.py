"""Domain logic without I/O."""
