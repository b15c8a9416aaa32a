"""The audit log from Python: an auditor verifies the shared vectors with nothing but the log's
verifier key; a service opens a log, issues certificates into it and proves an entry."""
import datetime
import hashlib
import json
import pathlib

import pytest

try:
    import yinzheng_ffi as yz
except ImportError:
    import yinzheng as yz

AUDIT = pathlib.Path(__file__).resolve().parents[3] / "test-vectors" / "audit"
MANIFEST = json.loads((AUDIT / "manifest.json").read_text(encoding="utf-8"))
ORIGIN, VKEY = MANIFEST["origin"], MANIFEST["vkey"]
NOW = datetime.datetime(2026, 11, 21, 2, tzinfo=datetime.timezone.utc)


def read(name):
    return (AUDIT / name).read_bytes()


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["id"])
def test_audit_vector(vector):
    data = read(vector["file"])
    accept = vector["outcome"] == "accept"
    if vector["kind"] == "inclusion":
        if accept:
            record = yz.verify_inclusion_bundle(data.decode(), ORIGIN, [VKEY])
            if vector["id"] == "inclusion-3":
                assert record.index == 3 and record.checkpoint_size == 12
                assert record.event.subject.endswith(b".000003")
            else:
                # The status registry's events (docs/FORMAT.md actor_key_id table).
                assert record.checkpoint_size == 2
                if vector["id"] == "inclusion-status-change":
                    assert record.event.actor_key_id == hashlib.sha256(b"operator-7").digest()
                else:
                    assert record.index == 1 and len(record.event.actor_key_id) == 32
        else:
            with pytest.raises(yz.YinzhengError.AuditRejected):
                yz.verify_inclusion_bundle(data.decode(), ORIGIN, [VKEY])
    elif vector["kind"] == "consistency":
        auditor = yz.CheckpointAuditor(ORIGIN, [VKEY], read(vector["held"]).decode())
        if accept:
            assert auditor.update(data.decode()) == 12
            assert "\n12\n" in auditor.newest()
        else:
            with pytest.raises((yz.YinzhengError.Inconsistent, yz.YinzhengError.AuditRejected)):
                auditor.update(data.decode())
    elif vector["kind"] == "segment":
        if accept:
            assert yz.verify_log_file(data, ORIGIN, VKEY) == 12
        else:
            with pytest.raises(yz.YinzhengError.AuditRejected):
                yz.verify_log_file(data, ORIGIN, VKEY)
    else:
        auditor = yz.CheckpointAuditor(ORIGIN, [VKEY], data.decode())
        assert auditor.newest() == data.decode()


def test_a_fork_yields_both_checkpoints_as_evidence():
    auditor = yz.CheckpointAuditor(ORIGIN, [VKEY], read("checkpoint-5.note").decode())
    with pytest.raises(yz.YinzhengError.Inconsistent) as caught:
        auditor.update(read("consistency-fork.txt").decode())
    assert caught.value.held == read("checkpoint-5.note").decode()
    assert "\n12\n" in caught.value.offered


def test_a_service_logs_every_issuance(tmp_path):
    log = yz.AuditLog.open_with_software_key(str(tmp_path / "log"), "audit.example.gov.cn/test", yz.SoftwareKey.from_seed(bytes([3] * 32)))
    key = yz.SoftwareKey.from_seed(bytes([4] * 32))
    issuer = yz.Issuer.with_software_key("测试", "11220000013544541J", key).with_audit_log(log)
    request = yz.CertificateRequest(
        type_code="11100000MB0341032Y002", type_name="营业执照", number="91350100M000100Y43",
        holder_name="福州示例科技有限公司", holder_code="91350100M000100Y43", holder_code_type="001",
        issued_on="2024-03-15", valid_from="2024-03-15",
    )
    issued = [issuer.issue(request, NOW) for _ in range(3)]
    assert log.size() == 3
    vkey = log.verifier_key()
    record = yz.verify_inclusion_bundle(log.inclusion_bundle(2), "audit.example.gov.cn/test", [vkey])
    assert record.event.kind == yz.AuditEventKind.CERTIFICATE_ISSUED
    assert record.event.subject == issued[2].certificate.id.encode()
    assert record.event.object_digest == hashlib.sha256(issued[2].bytes).digest()
    # An auditor follows the log forward.
    auditor = yz.CheckpointAuditor("audit.example.gov.cn/test", [vkey], None)
    assert auditor.update(log.consistency_bundle(0)) == 3
    entry = log.append(
        yz.AuditEvent(kind=yz.AuditEventKind.KEY_EVENT, actor_key_id=bytes(32), subject=b"key rotated", object_digest=bytes(32), attributes=b""),
        NOW,
    )
    assert entry.index == 3 and entry.checkpoint_size == 4
    assert auditor.update(log.consistency_bundle(3)) == 4
    with pytest.raises(yz.YinzhengError.InvalidInput):
        log.append(yz.AuditEvent(kind=yz.AuditEventKind.KEY_EVENT, actor_key_id=bytes(31), subject=b"x", object_digest=bytes(32), attributes=b""), NOW)
    assert yz.verify_log_file((tmp_path / "log" / "log.seg").read_bytes(), "audit.example.gov.cn/test", vkey) == 4
    with pytest.raises(yz.YinzhengError.AuditLogFailed):
        yz.AuditLog.open_with_software_key(str(tmp_path / "log"), "audit.example.gov.cn/test", yz.SoftwareKey.from_seed(bytes([3] * 32)))


def test_an_auditor_reads_a_copy_with_the_verifier_key_only(tmp_path):
    import shutil
    origin = "audit.example.gov.cn/test"
    log = yz.AuditLog.open_with_software_key(str(tmp_path / "log"), origin, yz.SoftwareKey.from_seed(bytes([3] * 32)))
    for i in range(5):
        log.append(yz.AuditEvent(kind=yz.AuditEventKind.KEY_EVENT, actor_key_id=bytes(32), subject=b"k%d" % i, object_digest=bytes(32), attributes=b""), NOW)
    vkey = log.verifier_key()
    del log
    shutil.copytree(tmp_path / "log", tmp_path / "copy")
    reader = yz.AuditLogReader.open(str(tmp_path / "copy"), origin, vkey)
    assert reader.size() == 5 and reader.verify_history() == 5
    record = yz.verify_inclusion_bundle(reader.inclusion_bundle(4), origin, [vkey])
    assert record.event.subject == b"k4"
    assert yz.CheckpointAuditor(origin, [vkey], None).update(reader.consistency_bundle(2)) == 5
    assert yz.verify_log_dir(str(tmp_path / "copy"), origin, vkey, True) == 5
    # A copy cut short beside its anchor is a rollback, however it is checked.
    seg = tmp_path / "copy" / "log.seg"
    seg.write_bytes(seg.read_bytes()[:-8])
    for full in (False, True):
        with pytest.raises(yz.YinzhengError.AuditRejected):
            yz.verify_log_dir(str(tmp_path / "copy"), origin, vkey, full)
    with pytest.raises(yz.YinzhengError.AuditLogFailed):
        yz.AuditLogReader.open(str(tmp_path / "copy"), origin, vkey)


def test_each_request_is_issued_once(tmp_path):
    log = yz.AuditLog.open_with_software_key(str(tmp_path / "log"), "audit.example.gov.cn/test", yz.SoftwareKey.from_seed(bytes([3] * 32)))
    ledger = yz.IssuanceLedger.open(str(tmp_path / "issued.ledger"))
    key = yz.SoftwareKey.from_seed(bytes([4] * 32))
    issuer = yz.Issuer.with_software_key("测试", "11220000013544541J", key).with_audit_log(log).with_ledger(ledger)
    request = yz.CertificateRequest(
        type_code="11100000MB0341032Y002", type_name="营业执照", number="91350100M000100Y43",
        holder_name="福州示例科技有限公司", holder_code="91350100M000100Y43", holder_code_type="001",
        issued_on="2024-03-15", valid_from="2024-03-15",
    )
    rid = hashlib.sha256(b"request 1").digest()
    first = issuer.issue_once([yz.IdentifiedRequest(request_id=rid, request=request)], NOW)
    again = issuer.issue_once([yz.IdentifiedRequest(request_id=rid, request=request)], NOW)
    assert first[0].newly_issued and not again[0].newly_issued
    assert again[0].bytes == first[0].bytes and again[0].identifier == first[0].identifier
    assert log.size() == 1 and ledger.len() == 1
    with pytest.raises(yz.YinzhengError.InvalidInput):
        issuer.issue_once([yz.IdentifiedRequest(request_id=b"short", request=request)], NOW)
