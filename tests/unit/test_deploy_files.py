"""The deploy files parse and point at what exists. (No Docker engine runs on the test
machines, so the image itself is not built here.)"""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_services_build_from_the_repo_dockerfile() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"], "no services"
    built = {n: s for n, s in compose["services"].items() if "build" in s}
    assert {"migrate", "api", "worker"} <= set(built)
    for name, service in built.items():
        build = service["build"]
        dockerfile = ROOT / build["context"] / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} missing"


def test_dockerfile_copies_only_what_exists() -> None:
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"COPY of missing {source}"


def test_compose_commands_are_hingecheck_commands() -> None:
    from typer.core import TyperGroup
    from typer.main import get_command

    from services.cli import app

    group = get_command(app)
    assert isinstance(group, TyperGroup)
    commands = set(group.commands)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if "build" in service:
            assert service["command"][0] in commands, name
            assert service["environment"]["HINGECHECK_BROKER_URL"].startswith("redis://")


def test_runtime_image_is_built_without_torch() -> None:
    """torch is installed in the export stage only; the final stage copies the runtime
    environment and the exported model out of it."""
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = text.split("\nFROM ")[1:]  # [0] is the comment before the first FROM
    assert len(stages) == 2, "expected an export stage and a runtime stage"
    assert "export-requirements.txt" in stages[0]
    assert "export-requirements" not in stages[1] and "pip install" not in stages[1]
    assert "COPY --from=export /venv /venv" in stages[1]
    requirements = (ROOT / "deploy" / "export-requirements.txt").read_text()
    assert "torch==" in requirements
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = " ".join(pyproject["project"]["dependencies"])
    assert "torch" not in runtime and "ultralytics" not in runtime
