"""The layers of pyproject.toml's [tool.importlinter], checked on the tree as it is, and shown
to break when an import runs up them; and no underscored name imported across modules."""

import ast
import copy
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

pytestmark = pytest.mark.timeless

ROOT = Path(__file__).resolve().parents[2]
CONFIG = read_configuration(str(ROOT / "pyproject.toml"))
PACKAGES = CONFIG["session_options"]["root_packages"]
CONTRACTS = {"layers": LayersContract, "forbidden": ForbiddenContract}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def broken(graph) -> list[str]:
    """The names of the contracts the graph breaks."""
    names = []
    for options in CONFIG["contracts_options"]:
        contract = CONTRACTS[options["type"]](
            name=options["name"],
            session_options=CONFIG["session_options"],
            contract_options=options,
        )
        if not contract.check(copy.deepcopy(graph), verbose=False).kept:
            names.append(options["name"])
    return names


def test_every_import_runs_down_the_layers(graph):
    assert broken(graph) == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("hospitals.views", "pipeline.models"),  # the hospital page listing projects itself
        ("pipeline.api", "visits.services"),  # the project's coverage counted in place
        ("visits.models", "proposals.models"),
        ("accounts.models", "hospitals.models"),
        ("o2crm.records", "accounts.models"),  # the floor reaching into an app
        ("o2crm.paging", "reports.views"),
    ],
)
def test_an_import_up_the_layers_is_caught(graph, importer, imported):
    changed = copy.deepcopy(graph)
    changed.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    assert broken(changed)


def private_imports() -> list[str]:
    """`from x import _name` where x is another module of ours."""
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] not in PACKAGES or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            ours = node.level or (node.module or "").split(".")[0] in PACKAGES
            for alias in node.names:
                if ours and alias.name.startswith("_"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
    return found


def test_no_underscored_name_is_imported_across_modules():
    assert private_imports() == []
