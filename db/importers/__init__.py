"""Import of real basic data: areas, departments, staff, cameras (CSV/.xlsx) and grids (GeoJSON); all rows or none."""
from db.importers.common import RowError
from db.importers.core import KINDS, ImportResult, import_file, resolve_kind

__all__ = ["KINDS", "ImportResult", "RowError", "import_file", "resolve_kind"]
