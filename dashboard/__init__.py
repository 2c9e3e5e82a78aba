"""Streamlit UI library: page registry, sign-in glue, cached queries, map layers and widgets (pages import it)."""
