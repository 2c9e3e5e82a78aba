"""Database layer: schema, migrations, case workflow, queries (no streamlit, no paho)."""
