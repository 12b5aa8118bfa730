"""`openhss admin` and `openhss server` as a user runs them: outputs, one-line errors, exit codes, TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.postgres import free_port
from tests.support.process import run_openhss, start_openhss, wait_http


def _ok(home: Path, *args: str, stdin: str | None = None) -> str:
    result = run_openhss(home, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_admin_flow_and_token_for_scripts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ok(home, "admin", "create-domain", "acme")
    _ok(home, "admin", "create-user", "--domain", "acme", "alice", "--password", "long enough pw")
    project_id = _ok(home, "admin", "create-project", "--domain", "acme", "cn-north-4").strip()
    assert len(project_id) == 32
    _ok(home, "admin", "grant", "--domain", "acme", "--user", "alice", "--project", "cn-north-4")
    keys = _ok(home, "admin", "create-access-key", "--domain", "acme", "--user", "alice")
    ak = keys.split()[1]
    token = _ok(home, "admin", "create-token", "--domain", "acme", "--user", "alice", "--project", project_id)
    port = free_port()
    server = start_openhss(home, "server", "--port", str(port))
    try:
        wait_http(f"http://127.0.0.1:{port}/openapi.json")
        url = f"http://127.0.0.1:{port}/v5/{project_id}/image/local-repositories"
        assert httpx.get(url, headers={"X-Auth-Token": token.strip()}).status_code == 200
        _ok(
            home,
            "admin",
            "set-password",
            "--domain",
            "acme",
            "--user",
            "alice",
            stdin="new long pw\nnew long pw\n",
        )
        revoked = httpx.get(url, headers={"X-Auth-Token": token.strip()})
        assert revoked.json()["error_code"] == "APIG.0307"
    finally:
        server.terminate()
        server.communicate(timeout=30)
    _ok(home, "admin", "delete-access-key", ak)


def test_errors_are_one_line_and_nonzero(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_openhss(
        home, "admin", "create-user", "--domain", "nosuch", "bob", "--password", "long enough"
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "openhss: error: domain 'nosuch' not found"
    _ok(home, "admin", "create-domain", "acme")
    dup = run_openhss(home, "admin", "create-domain", "acme")
    assert dup.returncode == 1 and len(dup.stderr.strip().splitlines()) == 1
    assert "Traceback" not in dup.stderr
    bad_key = run_openhss(home, "admin", "create-domain", "x", env={"OPENHSS_SECRET_KEY": "not-a-key"})
    assert bad_key.returncode == 1 and "server key" in bad_key.stderr and "Traceback" not in bad_key.stderr
    usage = run_openhss(home, "admin", "grant")
    assert usage.returncode == 2 and "Missing option" in usage.stderr


def test_secret_key_from_configuration_is_shared(tmp_path: Path) -> None:
    # Two homes (two API servers) with the same configured key read each other's SKs.
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {"OPENHSS_SECRET_KEY": key, "OPENHSS_DATABASE_URL": db}
    a, b = tmp_path / "a", tmp_path / "b"
    for args in (
        ("create-domain", "acme"),
        ("create-user", "--domain", "acme", "u", "--password", "long enough"),
    ):
        assert run_openhss(a, "admin", *args, env=env).returncode == 0
    assert (
        run_openhss(b, "admin", "create-access-key", "--domain", "acme", "--user", "u", env=env).returncode
        == 0
    )
    assert not (a / "secret.key").exists() and not (b / "secret.key").exists()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_server_speaks_tls(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    port = free_port()
    proc = start_openhss(
        tmp_path / "home", "server", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)
    )
    try:
        wait_http(f"https://127.0.0.1:{port}/openapi.json", verify=False)
        trust = ssl.create_default_context(cafile=str(cert))
        response = httpx.get(f"https://127.0.0.1:{port}/openapi.json", verify=trust)
        assert response.status_code == 200 and "paths" in json.loads(response.text)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_agent_admin_commands(tmp_path: Path) -> None:
    from openhss.inventory import AgentRegistry, HostFacts, InvalidAgentCredential, UnknownHost
    from openhss.store import Database

    home = tmp_path / "home"
    _ok(home, "admin", "create-domain", "acme")
    project_id = _ok(home, "admin", "create-project", "--domain", "acme", "cn-north-4").strip()
    token = _ok(home, "admin", "create-enroll-token", "--project", project_id).strip()
    unknown_ep = run_openhss(
        home, "admin", "create-enroll-token", "--project", project_id, "--enterprise-project", "x"
    )
    assert unknown_ep.returncode == 1 and "enterprise project 'x' not found" in unknown_ep.stderr
    db = Database(f"sqlite:///{home / 'openhss.db'}")
    registry = AgentRegistry(db)
    enrolled = registry.enroll(token, HostFacts(name="node-1"))
    assert registry.authenticate(enrolled.agent_secret).host_id == enrolled.host_id
    _ok(home, "admin", "revoke-agent", enrolled.agent_id)
    try:
        registry.authenticate(enrolled.agent_secret)
        raise AssertionError("a revoked agent authenticated")
    except InvalidAgentCredential:
        pass
    again = run_openhss(home, "admin", "revoke-agent", enrolled.agent_id)
    assert again.returncode == 1 and "already revoked" in again.stderr
    _ok(home, "admin", "delete-host", enrolled.host_id)
    try:
        registry.delete_host(enrolled.host_id)
        raise AssertionError("the host was not deleted")
    except UnknownHost:
        pass
    db.close()
