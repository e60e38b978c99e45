"""DESIGN §5: `importers` and `dashboards` use the domain; the domain (`scorecard/`) never imports
them — only the app factory wires the three together."""
import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "scorecard"
FACTORY = DOMAIN / "__init__.py"


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_domain_never_imports_importers_or_dashboards():
    offenders = {str(path.relative_to(DOMAIN.parent)): sorted(imported_packages(path) & {"importers", "dashboards"})
                 for path in DOMAIN.rglob("*.py") if path != FACTORY}
    assert {k: v for k, v in offenders.items() if v} == {}
