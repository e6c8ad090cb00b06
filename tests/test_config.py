"""Configuration: safe production start-up, the development secret, QN_* variables and their precedence."""

from __future__ import annotations

import logging
import os
import stat
from datetime import timedelta

import pytest

from qn_portal import create_app
from qn_portal.settings import ConfigurationError

GOOD_SECRET = "k3Jx9-Qm2vLw8Rt5Yp1Zs7Nb4Hc6Fd0Ga2Ue8Io3Wq"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    """A clean environment with its own instance folder; the logger as it was before."""
    for name in [n for n in os.environ if n.startswith(("QN_", "FLASK_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("QN_INSTANCE_PATH", str(tmp_path / "instance"))
    logger = logging.getLogger("qn_portal")
    handlers, level = list(logger.handlers), logger.level
    yield tmp_path / "instance"
    logger.handlers[:] = handlers
    logger.setLevel(level)


def production(monkeypatch, **variables):
    monkeypatch.setenv("QN_ENV", "production")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return create_app()


def test_production_needs_a_secret_key(monkeypatch, environment):
    with pytest.raises(ConfigurationError, match="QN_SECRET_KEY"):
        production(monkeypatch)
    assert not (environment / "secret_key").exists()  # never a generated secret in production


@pytest.mark.parametrize("secret", ["changeme", "secret", "dev", "x" * 31, "1234567890"])
def test_production_refuses_short_or_placeholder_secrets(monkeypatch, secret):
    with pytest.raises(ConfigurationError, match="QN_SECRET_KEY"):
        production(monkeypatch, QN_SECRET_KEY=secret)


@pytest.mark.parametrize("variable", ["QN_DEBUG", "FLASK_DEBUG"])
def test_production_refuses_debug(monkeypatch, variable):
    with pytest.raises(ConfigurationError, match="[Dd]ebug"):
        production(monkeypatch, QN_SECRET_KEY=GOOD_SECRET, **{variable: "1"})


def test_production_starts_with_a_real_secret(monkeypatch):
    app = production(monkeypatch, QN_SECRET_KEY=GOOD_SECRET)
    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert not app.debug
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_production_explicit_test_config_is_checked_too(environment):
    with pytest.raises(ConfigurationError):
        create_app({"ENV": "production", "SECRET_KEY": "test"})


def test_development_generates_a_secret_once_and_keeps_it(monkeypatch, environment):
    first = create_app()
    path = environment / "secret_key"
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secret = first.config["SECRET_KEY"]
    assert len(secret) >= 32 and secret == path.read_text().strip()
    second = create_app()
    assert second.config["SECRET_KEY"] == secret
    # Another instance folder, another secret: it is random, not a constant.
    monkeypatch.setenv("QN_INSTANCE_PATH", str(environment.parent / "other"))
    assert create_app().config["SECRET_KEY"] != secret


def test_development_uses_a_configured_secret_without_writing_one(monkeypatch, environment):
    monkeypatch.setenv("QN_SECRET_KEY", GOOD_SECRET)
    assert create_app().config["SECRET_KEY"] == GOOD_SECRET
    assert not (environment / "secret_key").exists()


@pytest.mark.parametrize("value, expected", [
    ("example, autre", ["example", "autre"]),
    (" example ,, ", ["example"]),
    ('["example", "autre"]', ["example", "autre"]),
    ("", []),
])
def test_disabled_plugins_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("QN_DISABLED_PLUGINS", value)
    app = create_app()
    assert app.config["DISABLED_PLUGINS"] == expected
    from qn_portal.plugins import get_host

    assert get_host(app).disabled_by_configuration("example") is ("example" in expected)


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    url = "sqlite:///" + str(tmp_path / "ailleurs.db")
    monkeypatch.setenv("QN_DATABASE_URL", url)
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == url


def test_explicit_test_config_wins_over_the_environment(monkeypatch, tmp_path):
    """The suite names its own database; a QN_DATABASE_URL in the environment must not replace it."""
    monkeypatch.setenv("QN_DATABASE_URL", "sqlite:///" + str(tmp_path / "env.db"))
    mine = "sqlite:///" + str(tmp_path / "mine.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": mine})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == mine


def test_default_database_is_sqlite_in_the_instance_folder(environment):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(environment / "qn_portal.db")
    assert app.config["UPLOAD_FOLDER"] == str(environment / "uploads")


def test_instance_config_file_then_environment(monkeypatch, environment):
    environment.mkdir(parents=True, exist_ok=True)
    (environment / "config.py").write_text('SITE_NAME = "Depuis le fichier"\nPER_PAGE = 7\n')
    app = create_app()
    assert (app.config["SITE_NAME"], app.config["PER_PAGE"]) == ("Depuis le fichier", 7)
    monkeypatch.setenv("QN_SITE_NAME", "Depuis l'environnement")
    assert create_app().config["SITE_NAME"] == "Depuis l'environnement"


def test_request_size_is_limited(environment):
    app = create_app({"MAX_CONTENT_LENGTH": 1024, "WTF_CSRF_ENABLED": False})
    assert create_app().config["MAX_CONTENT_LENGTH"] > 0  # Flask leaves it unset; the portal does not
    response = app.test_client().post("/connexion", data={"email": "a@example.org", "password": "x" * 4096})
    assert response.status_code == 413
    assert "Le fichier envoyé est trop volumineux." in response.get_data(as_text=True)


def test_security_defaults():
    app = create_app({"ENV": "testing", "SECRET_KEY": GOOD_SECRET})
    config = app.config
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["WTF_CSRF_TIME_LIMIT"] is None
    assert config["REMEMBER_COOKIE_DURATION"].days <= 30
    assert config["SESSION_COOKIE_SECURE"] is False  # development over plain http still signs in


@pytest.mark.parametrize("name", ["SESSION_MAX_AGE", "REMEMBER_COOKIE_DURATION", "INVITATION_MAX_AGE",
                                  "RESET_MAX_AGE", "TWO_FACTOR_PENDING_MAX_AGE", "TRUSTED_DEVICE_MAX_AGE"])
def test_durations_from_the_environment_are_seconds(monkeypatch, name):
    monkeypatch.setenv(f"QN_{name}", "5400")
    assert create_app().config[name] == timedelta(minutes=90)


@pytest.mark.parametrize("value", ["0", "-60", "true", '"un jour"', "1.5"])
def test_a_duration_that_is_not_seconds_is_refused_at_start_up(monkeypatch, value):
    monkeypatch.setenv("QN_SESSION_MAX_AGE", value)
    with pytest.raises(ConfigurationError, match="SESSION_MAX_AGE must be a positive number of seconds"):
        create_app()

