"""The log published as C2SP tlog-tiles, from Python: tiles and bundles re-derived with hashlib
alone (an independent reading of the format), the library's client over a real HTTP server,
and witnesses cosigning under a k-of-n policy."""
import base64
import datetime
import hashlib
import http.server
import threading
import urllib.error
import urllib.request

import pytest

from signers import PySigner

try:
    import yinzheng_ffi as yz
except ImportError:
    import yinzheng as yz

ORIGIN = "audit.example.gov.cn/tiles"
NOW = datetime.datetime(2026, 11, 21, 2, tzinfo=datetime.timezone.utc)


def published_log(tmp_path, entries):
    log = yz.AuditLog.open_with_software_key(str(tmp_path / "log"), ORIGIN, yz.SoftwareKey.from_seed(bytes([3] * 32)))
    for i in range(entries):
        log.append(
            yz.AuditEvent(kind=yz.AuditEventKind.KEY_EVENT, actor_key_id=bytes(32), subject=b"k%d" % i, object_digest=bytes(32), attributes=b""),
            NOW,
        )
    assert log.publish_tiles(str(tmp_path / "public")) == entries
    return log


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 9162 Merkle tree hash, written from the RFC."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def test_tiles_and_bundles_are_what_the_spec_says(tmp_path):
    published_log(tmp_path, 300)
    public = tmp_path / "public"
    entries = []
    for path in ("tile/entries/000", "tile/entries/001.p/44"):
        data = (public / path).read_bytes()
        while data:
            n = int.from_bytes(data[:2], "big")
            entries.append(data[2 : 2 + n])
            data = data[2 + n :]
    assert len(entries) == 300
    leaves = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    level0 = (public / "tile/0/000").read_bytes() + (public / "tile/0/001.p/44").read_bytes()
    assert level0 == b"".join(leaves)
    # Level 1 holds the root of the first 256 leaves.
    assert (public / "tile/1/000.p/1").read_bytes() == mth(leaves[:256])
    body = (public / "checkpoint").read_text().split("\n")
    assert body[0] == ORIGIN and body[1] == "300"
    assert base64.b64decode(body[2]) == mth(leaves)


class Fetcher(yz.ObjectFetcher):
    """The app's HTTP stack: GET <base>/<path>, 404 as absent."""

    def __init__(self, base):
        self.base = base
        self.paths = []

    def fetch(self, path, max_len):
        self.paths.append(path)
        try:
            with urllib.request.urlopen(f"{self.base}/{path}") as response:
                return response.read(max_len + 1)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    log = published_log(tmp_path, 300)
    handler = lambda *a, **k: QuietHandler(*a, directory=str(tmp_path / "public"), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield log, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_client_proves_from_tiles_over_http(served, tmp_path):
    log, base = served
    vkey = log.verifier_key()
    fetcher = Fetcher(base)
    remote = yz.PublishedLog.open_fetcher(fetcher, ORIGIN, [vkey])
    assert remote.checkpoint() == log.checkpoint()
    record = yz.verify_inclusion_bundle(remote.inclusion_bundle(299), ORIGIN, [vkey])
    assert record.event.subject == b"k299"
    assert remote.verify_all() == 300
    assert "tile/0/001.p/44" in fetcher.paths
    held = log.checkpoint()
    for i in range(300, 310):
        log.append(yz.AuditEvent(kind=yz.AuditEventKind.KEY_EVENT, actor_key_id=bytes(32), subject=b"k%d" % i, object_digest=bytes(32), attributes=b""), NOW)
    assert log.publish_tiles(str(tmp_path / "public")) == 310
    auditor = yz.CheckpointAuditor(ORIGIN, [vkey], held)
    assert auditor.update(remote.consistency_bundle(held)) == 310
    # A changed tile is refused, whichever way it is read.
    tile = tmp_path / "public" / "tile" / "0" / "000"
    tile.write_bytes(bytes(8192))
    local = yz.PublishedLog.open_directory(str(tmp_path / "public"), ORIGIN, [vkey])
    for reader in (remote, local):
        with pytest.raises(yz.YinzhengError.AuditRejected):
            reader.verify_all()
        with pytest.raises(yz.YinzhengError.AuditRejected):
            reader.inclusion_bundle(5)


def test_witnesses_cosign_and_a_policy_counts_them(tmp_path):
    log = published_log(tmp_path, 5)
    vkey = log.verifier_key()
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.Witness("witness0.example", PySigner(40), [vkey], str(tmp_path / "w0.state"))
    for i in range(3):
        yz.create_witness_state(str(tmp_path / f"w{i}.state"))
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.create_witness_state(str(tmp_path / "w0.state"))
    witnesses = [yz.Witness(f"witness{i}.example", PySigner(40 + i), [vkey], str(tmp_path / f"w{i}.state")) for i in range(3)]
    request = log.consistency_bundle(0)
    note = log.checkpoint()
    for w in witnesses[:2]:
        note = yz.add_cosignatures(note, w.verifier_key(), w.add_checkpoint(request, NOW))
    policy = yz.WitnessPolicy(vkey, [w.verifier_key() for w in witnesses], 2)
    witnessed = policy.check(note)
    assert witnessed.size == 5 and sorted(witnessed.cosigners) == ["witness0.example", "witness1.example"]
    with pytest.raises(yz.YinzhengError.AuditRejected):
        yz.WitnessPolicy(vkey, [w.verifier_key() for w in witnesses], 3).check(note)
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.WitnessPolicy(vkey, [witnesses[0].verifier_key()], 2)
    # The state is durable: a new witness object over the same file holds size 5.
    again = yz.Witness("witness0.example", PySigner(40), [vkey], str(tmp_path / "w0.state"))
    with pytest.raises(yz.YinzhengError.WitnessRefused) as refused:
        again.add_checkpoint(request, NOW)
    assert refused.value.status == 409
