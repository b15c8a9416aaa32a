// Revocation and suspension from Kotlin: registry, audit log, lists signed by a JDK Ed25519
// signer, and an offline verifier seeing each status.
package cn.yinzheng.tests

import cn.yinzheng.*
import java.io.File
import java.nio.file.Files
import java.time.Duration
import java.time.Instant

fun statusTests() {
    tests["revoke, suspend and reinstate as an offline verifier sees them"] = {
        val dir = Files.createTempDirectory("yz-kotlin-status").toFile()
        val start = Instant.ofEpochSecond(1_795_226_400)
        val later = start.plusSeconds(30)
        val signer = JdkEd25519Signer(ByteArray(32) { 0x21 })
        AuditLog.openWithSoftwareKey(File(dir, "log").path, "audit.example.gov.cn/kt", SoftwareKey.fromSeed(ByteArray(32) { 5 })).use { log ->
            val registry = StatusRegistry.open(File(dir, "status.journal").path, "https://status.example.gov.cn/kt/", log)
            val issuer = Issuer("测试", JILIN, signer).withAuditLog(log).withStatusRegistry(registry)
            val a = issuer.issue(licenceRequest(serial = null), start)
            val b = issuer.issue(licenceRequest(serial = null), start)
            val verifier = Verifier(listOf(TrustedIssuerKey("kt", JILIN, SignatureAlgorithm.ED25519, signer.publicKey(), AGENCY_ROLES)), VerifierPolicy(0uL, false))
            fun refresh(at: Instant) = registry.uris().forEach { verifier.addStatusList(registry.publish(it, signer, at, 3600uL), later) }
            fun statusOf(bytes: ByteArray): CertificateStatus? = try {
                verifier.verifyCertificate(bytes, later).report.status
            } catch (e: YinzhengException.Rejected) {
                e.report.status
            }
            check(statusOf(a.bytes) == CertificateStatus.UNKNOWN) { "no list" }
            refresh(start)
            check(statusOf(a.bytes) == CertificateStatus.VALID) { "valid" }
            registry.revoke(a.certificate.id, "operator-7", start)
            registry.suspend(b.certificate.id, "operator-7", start)
            refresh(start.plusSeconds(1))
            check(statusOf(a.bytes) == CertificateStatus.REVOKED) { "revoked" }
            check(statusOf(b.bytes) == CertificateStatus.SUSPENDED) { "suspended" }
            registry.reinstate(b.certificate.id, "operator-8", start)
            refresh(start.plusSeconds(2))
            check(statusOf(b.bytes) == CertificateStatus.VALID) { "reinstated" }
            try {
                registry.reinstate(a.certificate.id, "operator-8", start)
                throw AssertionError("a revoked certificate was reinstated")
            } catch (e: YinzhengException.InvalidInput) {
            }
            check(registry.entry(a.certificate.id)?.status == LegalStatus.REVOKED) { "entry" }
            check(log.size() == 8uL) { "audit entries ${log.size()}" }
        }
        dir.deleteRecursively()
    }
}
