"""The served code is the code the `scorecard` command runs: a server started in a checkout while another copy
of the app is installed in the environment (`pip install .`) refuses to start, saying why and what to run
(the command and its worker ran the installed copy, with another instance folder: uploads stored by the server
were not found by the worker, and a SQLite database migrated by the command was not the one served)."""
import sysconfig
from pathlib import Path

import pytest

import scorecard


def _environment_with(monkeypatch, purelib: Path) -> None:
    paths = {**sysconfig.get_paths(), "purelib": str(purelib)}
    monkeypatch.setattr(sysconfig, "get_paths", lambda *args, **kwargs: paths)


def test_a_server_beside_an_installed_copy_of_the_app_refuses_to_start(monkeypatch, tmp_path, capsys):
    copy = tmp_path / "site-packages" / "scorecard"
    copy.mkdir(parents=True)
    (copy / "__init__.py").write_text('"""An installed copy of the app."""\n')
    _environment_with(monkeypatch, copy.parent)
    with pytest.raises(SystemExit) as stopped:
        scorecard.served_copy_is_the_installed_one()
    assert stopped.value.code == 3, "gunicorn halts on 3; on 1 it started a new worker at once, again and again"
    said = capsys.readouterr().err.strip()
    checkout = Path(scorecard.__file__).resolve().parent.parent
    assert said.startswith(f"Not started: this server would run the app's code in {checkout}, while the scorecard "
                           f"command runs the copy installed in {copy.parent}"), said
    assert "pip install -e ." in said


def test_an_editable_install_or_none_lets_it_start(monkeypatch, tmp_path):
    _environment_with(monkeypatch, tmp_path)  # nothing of the app's there: an editable install leaves only a .pth
    scorecard.served_copy_is_the_installed_one()
    _environment_with(monkeypatch, Path(scorecard.__file__).resolve().parent.parent)  # the copy served is the one
    scorecard.served_copy_is_the_installed_one()
