"""Parsers, one module per message format; each turns an Incoming into a Parsed or raises Invalid."""
