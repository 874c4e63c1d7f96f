"""Read exports (CSV/Parquet, files/folders/globs, any header profile) into one normalised log."""

from .profile import Profile, load_profile
from .read import LoadResult, discover, load, read_table_file

__all__ = ["LoadResult", "Profile", "discover", "load", "load_profile", "read_table_file"]
