"""Package data: tables regcheck reads at run time (installed with the package, see pyproject.toml)."""
