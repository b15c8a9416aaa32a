"""Revocation and suspension from Python: an agency's registry and audit log, lists signed by
a Python signer, and an offline verifier seeing VALID, REVOKED, SUSPENDED and UNKNOWN."""
import datetime

import pytest

try:
    import yinzheng_ffi as yz
except ImportError:
    import yinzheng as yz

AGENCY_ROLES = [yz.TrustRole.ISSUER, yz.TrustRole.STATUS_LISTS]


def roles(names):
    """The bindings' roles for the manifest's role names."""
    return [getattr(yz.TrustRole, name.upper().replace("-", "_")) for name in names]

from signers import PySigner

JILIN = "11220000013544541J"
NOW = datetime.datetime(2026, 11, 21, 2, tzinfo=datetime.timezone.utc)


def request(number):
    return yz.CertificateRequest(
        type_code="11100000MB0341032Y002", type_name="营业执照", number=number,
        holder_name="福州示例科技有限公司", holder_code="91350100M000100Y43", holder_code_type="001",
        issued_on="2024-03-15", valid_from="2024-03-15",
    )


def test_revoke_suspend_reinstate(tmp_path):
    signer = PySigner(0x21)
    log = yz.AuditLog.open_with_software_key(str(tmp_path / "log"), "audit.example.gov.cn/py", yz.SoftwareKey.from_seed(bytes([5] * 32)))
    registry = yz.StatusRegistry.open(str(tmp_path / "status.journal"), "https://status.example.gov.cn/py/", log)
    issuer = yz.Issuer("测试", JILIN, signer).with_audit_log(log).with_status_registry(registry)
    a = issuer.issue(request("A-1"), NOW)
    b = issuer.issue(request("B-2"), NOW)
    entry = registry.entry(a.certificate.id)
    assert entry.status == yz.LegalStatus.VALID and entry.uri.startswith("https://status.example.gov.cn/py/")

    anchor = yz.TrustedIssuerKey(name="py", agency_code=JILIN, algorithm=yz.SignatureAlgorithm.ED25519, public_key=signer.public_key(), roles=AGENCY_ROLES)
    verifier = yz.Verifier(anchors=[anchor], policy=yz.VerifierPolicy())
    later = NOW + datetime.timedelta(seconds=30)

    with pytest.raises(yz.YinzhengError.Rejected) as caught:
        verifier.verify_certificate(a.bytes, later)
    assert caught.value.check == yz.Check.STATUS and caught.value.report.status == yz.CertificateStatus.UNKNOWN

    def refresh(at):
        for uri in registry.uris():
            added = verifier.add_status_list(registry.publish(uri, signer, at, 3600), later)
            assert added.agency_code == JILIN

    refresh(NOW)
    assert verifier.verify_certificate(a.bytes, later).report.status == yz.CertificateStatus.VALID

    registry.revoke(a.certificate.id, "operator-7", NOW)
    registry.suspend(b.certificate.id, "operator-7", NOW)
    refresh(NOW + datetime.timedelta(seconds=1))
    with pytest.raises(yz.YinzhengError.Rejected) as caught:
        verifier.verify_certificate(a.bytes, later)
    assert caught.value.report.status == yz.CertificateStatus.REVOKED
    with pytest.raises(yz.YinzhengError.Rejected) as caught:
        verifier.verify_certificate(b.bytes, later)
    assert caught.value.report.status == yz.CertificateStatus.SUSPENDED

    registry.reinstate(b.certificate.id, "operator-8", NOW)
    refresh(NOW + datetime.timedelta(seconds=2))
    assert verifier.verify_certificate(b.bytes, later).report.status == yz.CertificateStatus.VALID
    with pytest.raises(yz.YinzhengError.InvalidInput):
        registry.reinstate(a.certificate.id, "operator-8", NOW)  # revoked is final

    # A stale list never turns into REVOKED: UNKNOWN, rejected unless allowed.
    stale = NOW + datetime.timedelta(hours=3)
    with pytest.raises(yz.YinzhengError.Rejected) as caught:
        verifier.verify_certificate(a.bytes, stale)
    assert caught.value.report.status == yz.CertificateStatus.UNKNOWN
    assert "stale" in caught.value.report.status_detail
    # Issuances, changes and publications are all in the audit log.
    assert log.size() == 2 + 3 + 3

    # Published into a directory a static server serves: at the URI's path, newest first.
    base = "https://status.example.gov.cn/"
    uri = registry.uris()[0]
    newer = registry.publish(uri, signer, NOW + datetime.timedelta(seconds=5), 600)
    path = yz.publish_status_list_to_directory(str(tmp_path / "public"), base, newer, NOW)
    assert base + path == uri and (tmp_path / "public" / path).read_bytes() == newer
    older = registry.publish(uri, signer, NOW, 600)
    with pytest.raises(yz.YinzhengError.InvalidInput) as caught:
        yz.publish_status_list_to_directory(str(tmp_path / "public"), base, older, NOW)
    assert "already published" in str(caught.value)
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.publish_status_list_to_directory(str(tmp_path / "public"), "https://elsewhere.example/", newer, NOW)
    # Past its freshness (iat + ttl) a token is not published at all.
    with pytest.raises(yz.YinzhengError.InvalidInput) as caught:
        yz.publish_status_list_to_directory(
            str(tmp_path / "public"), base, newer, NOW + datetime.timedelta(seconds=700)
        )
    assert "fresh until" in str(caught.value)
