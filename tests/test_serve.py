"""``python -m eventflow serve``: the HAProxy configuration and the refusal to expose local mode
(the processes themselves are brought up in tests/browser/test_replicas_in_browser.py)."""

from __future__ import annotations

import subprocess

from eventflow import serve


def test_the_proxy_keeps_each_browser_on_one_process_and_passes_websockets() -> None:
    config = serve.haproxy_config("127.0.0.1", 8501, [9001, 9002])
    assert "bind 127.0.0.1:8501" in config
    assert f"cookie {serve.STICKY_COOKIE} insert indirect nocache httponly" in config
    assert "server replica1 127.0.0.1:9001 check cookie replica1" in config
    assert "server replica2 127.0.0.1:9002 check cookie replica2" in config
    assert "timeout tunnel 12h" in config  # an idle organiser's websocket stays open
    assert "option httpchk GET /_stcore/health" in config


def test_haproxy_accepts_the_configuration(tmp_path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(serve.haproxy_config("127.0.0.1", 8501, [9001, 9002]))
    checked = subprocess.run([serve.haproxy_binary(), "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_local_mode_is_never_served_beyond_this_computer(monkeypatch, capsys) -> None:
    monkeypatch.setattr(serve, "_sign_in_configured", lambda: False)
    assert serve.main(["--address", "0.0.0.0", "--processes", "2"]) == 2
    assert "needs sign-in" in capsys.readouterr().err


def test_every_process_skips_streamlits_full_garbage_collection_after_each_run() -> None:
    # gc.collect(2) after every script run held the GIL for every session of the process: eight
    # organisers rerunning together spent more time collecting than running (docs/scaling.md).
    import tomllib

    config = tomllib.loads((serve.ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
