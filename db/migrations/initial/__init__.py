"""The initial schema (migration 0001) by what each part owns; created in this order, dropped in reverse."""
