"""Rule families, one module each. Importing this package registers every implemented rule.

Every module in this folder (but ``base``) is imported here, so adding a family
is adding a module: its ``@rule`` functions register themselves.
"""

import importlib
import pkgutil

from .base import REGISTRY, Rule, rule

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base" and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["REGISTRY", "Rule", "rule"]
