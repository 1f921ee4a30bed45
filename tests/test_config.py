"""Configuration and secrets: precedence flags > environment > file > defaults, and every bad input is a
one-line error naming the key or variable, exit 2, with nothing sent to the target."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.cli.main import build_parser, main
from conformance.cli.run import resolve_options
from conformance.config import ConfigError, load_file, resolve
from conformance.headers import HeaderError, parse_headers


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for variable in ("CONFORMANCE_BASE_URL", "CONFORMANCE_PROFILE", "WIX_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PATCH = do_DELETE = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def watched_target() -> Iterator[tuple[str, list[str]]]:
    """A target that records every request, to prove a bad invocation never reached it."""
    handler = type("Handler", (_Counting,), {"hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()
        server.server_close()


def options(*argv: str) -> dict:
    return resolve_options(build_parser().parse_args(["run", *argv]))


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("conformance: error: "), err
    assert "Traceback" not in err
    return err


# precedence ---------------------------------------------------------------------------------------
def test_file_values_are_used_when_nothing_else_is_given(workdir: Path) -> None:
    (workdir / "conformance.toml").write_text('base_url = "http://file"\nprofile = "strict"\n'
                                              'apis = ["tiers"]\n'
                                              'member_ids = ["m1"]\nmax_examples = 7\n')
    resolved = options()
    assert resolved["base_url"] == "http://file"
    assert resolved["profile"] == "strict"
    assert resolved["apis"] == ["tiers"]
    assert resolved["member_ids"] == ["m1"]
    assert resolved["max_examples"] == 7


def test_environment_beats_file_and_flags_beat_environment(workdir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "conformance.toml").write_text('base_url = "http://file"\nprofile = "tolerant"\n')
    monkeypatch.setenv("CONFORMANCE_BASE_URL", "http://env")
    monkeypatch.setenv("CONFORMANCE_PROFILE", "strict")
    assert options()["base_url"] == "http://env"
    assert options()["profile"] == "strict"
    assert options("--base-url", "http://flag")["base_url"] == "http://flag"
    assert options("--profile", "tolerant")["profile"] == "tolerant"


def test_defaults_apply_when_no_source_sets_a_value(workdir: Path) -> None:
    resolved = options()
    assert resolved.get("base_url") is None  # embedded reference
    assert resolved.get("profile") is None  # run() falls back to tolerant
    assert resolved["headers"] == {}


def test_pyproject_tool_table_is_read(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.conformance]\nprofile = "strict"\n')
    data, origin = load_file(workdir)
    assert origin == "pyproject.toml" and data == {"profile": "strict"}


def test_conformance_toml_wins_over_pyproject(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[tool.conformance]\nprofile = "strict"\n')
    (workdir / "conformance.toml").write_text('profile = "tolerant"\n')
    assert load_file(workdir) == ({"profile": "tolerant"}, "conformance.toml")


def test_explicit_config_file(workdir: Path) -> None:
    (workdir / "ci.toml").write_text('base_url = "http://ci"\n')
    assert options("--config", "ci.toml")["base_url"] == "http://ci"


def test_the_example_config_file_is_valid(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "conformance.toml"
    monkeypatch.setenv("WIX_API_KEY", "k")
    resolved = options("--config", str(example))
    assert resolved["headers"] == {"Authorization": "k"}


# secrets ------------------------------------------------------------------------------------------
def test_header_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIX_API_KEY", "secret-value")
    assert parse_headers(["Authorization: env:WIX_API_KEY", "X-Plain: visible"]) == {
        "Authorization": "secret-value", "X-Plain": "visible"}


def test_file_headers_resolve_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "conformance.toml").write_text('[headers]\nAuthorization = "env:WIX_API_KEY"\n')
    monkeypatch.setenv("WIX_API_KEY", "from-env")
    assert options()["headers"] == {"Authorization": "from-env"}


def test_unset_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(HeaderError, match="NOT_SET_ANYWHERE"):
        parse_headers(["Authorization: env:NOT_SET_ANYWHERE"])


def test_literal_secret_in_the_file_is_refused(workdir: Path) -> None:
    (workdir / "conformance.toml").write_text('[headers]\nAuthorization = "Bearer abc123"\n')
    with pytest.raises(ConfigError, match="Authorization") as caught:
        load_file(workdir)
    assert "abc123" not in str(caught.value)  # the refusal never echoes the secret


def test_resolve_ignores_unset_flags() -> None:
    assert resolve({"base_url": None, "apis": [], "read_only": False}, {"base_url": "http://f"}) == {
        "base_url": "http://f"}


# bad input: one line, exit 2, nothing sent ------------------------------------------------------------
@pytest.mark.parametrize(("content", "named"), [
    ('base_ur = "http://x"\n', "base_ur"),
    ("profile = \n", "not valid TOML"),
    ('[headers]\nAuthorization = "Bearer abc"\n', "Authorization"),
    ('max_examples = "many"\n', "max_examples"),
    ('[headers]\nAuthorization = "env:UNSET_FOR_THIS_TEST"\n', "UNSET_FOR_THIS_TEST"),
], ids=["unknown-key", "malformed", "literal-secret", "wrong-type", "unset-variable"])
def test_bad_config_is_one_line_and_never_reaches_the_target(
        workdir: Path, capsys: pytest.CaptureFixture[str], watched_target: tuple[str, list[str]],
        content: str, named: str) -> None:
    url, hits = watched_target
    (workdir / "conformance.toml").write_text(content)
    err = one_line_error(capsys, "run", "--base-url", url)
    assert named in err
    assert hits == []


def test_unset_variable_on_the_command_line(workdir: Path, capsys: pytest.CaptureFixture[str],
                                            watched_target: tuple[str, list[str]]) -> None:
    url, hits = watched_target
    err = one_line_error(capsys, "run", "--base-url", url, "--header", "Authorization: env:WIX_API_KEY")
    assert "WIX_API_KEY" in err and hits == []


def test_unknown_rule_never_reaches_the_target(workdir: Path, capsys: pytest.CaptureFixture[str],
                                               watched_target: tuple[str, list[str]]) -> None:
    url, hits = watched_target
    err = one_line_error(capsys, "run", "--base-url", url, "--rule", "TIER-2", "--rule", "NOPE-1")
    assert "NOPE-1" in err and hits == []


def test_missing_explicit_config_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "nowhere.toml" in one_line_error(capsys, "run", "--config", "nowhere.toml")
