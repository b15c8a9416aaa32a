// Roles, revoked keys and an allowed UNKNOWN from Kotlin, on the security vectors: a revoked
// key's certificate refused whatever its date, a key trusted for status lists only issuing
// nothing, and a loosened check reported as ALLOWED with its detail.
package cn.yinzheng.tests

import cn.yinzheng.*
import java.io.File
import java.security.MessageDigest
import java.time.Instant

fun securityTests() {
    val dir = File(vectors.parentFile, "security")
    val at = Instant.ofEpochSecond(1_795_226_400)
    val second = SoftwareKey.fromSeed(ByteArray(32) { 0x85.toByte() }).publicKey()
    fun trusting(roles: List<TrustRole>, revoked: List<RevokedKey>, allowUnknown: Boolean = false, seed: Byte = 0x85.toByte()) =
        Verifier.withAnchors(
            TrustAnchors(
                issuerKeys = listOf(
                    TrustedIssuerKey("吉林", JILIN, SignatureAlgorithm.ED25519, SoftwareKey.fromSeed(ByteArray(32) { seed }).publicKey(), roles),
                ),
                x509Roots = listOf(), sealMakers = listOf(), revokedKeys = revoked,
            ),
            VerifierPolicy(allowClockSkewSeconds = 0uL, allowUnknownStatus = allowUnknown),
        )

    tests["security: a revoked key's certificate is refused whatever date it claims"] = {
        val bytes = File(dir, "certificate-by-revoked-key.cose").readBytes()
        val digest = MessageDigest.getInstance("SHA-256").digest(second)
        val revokedYesterday = listOf(RevokedKey(digest, at.minusSeconds(86_400)))
        try {
            trusting(listOf(TrustRole.ISSUER), revokedYesterday).verifyCertificate(bytes, at)
            throw AssertionError("a revoked key's certificate was accepted")
        } catch (e: YinzhengException.Rejected) {
            check(e.check == Check.ISSUER_KEY && e.reason.contains("revoked")) { "${e.check}: ${e.reason}" }
        }
        // Re-checking history as of before the compromise still accepts it.
        val before = trusting(listOf(TrustRole.ISSUER), revokedYesterday).verifyCertificate(bytes, at.minusSeconds(2 * 86_400))
        check(before.report.checks.none { it.status == CheckStatus.FAILED }) { "history" }
    }

    tests["security: a key trusted for status lists only issues nothing"] = {
        val bytes = File(dir, "certificate-by-revoked-key.cose").readBytes()
        try {
            trusting(listOf(TrustRole.STATUS_LISTS), listOf()).verifyCertificate(bytes, at.minusSeconds(2 * 86_400))
            throw AssertionError("a status-list key issued")
        } catch (e: YinzhengException.Rejected) {
            check(e.check == Check.ISSUER_KEY) { "${e.check}" }
        }
    }

    tests["security: an allowed UNKNOWN status reads ALLOWED with its detail"] = {
        val bytes = File(dir, "certificate-status-5.cose").readBytes()
        val verified = trusting(AGENCY_ROLES, listOf(), allowUnknown = true, seed = 0x11).verifyCertificate(bytes, at)
        val status = verified.report.checks.single { it.name == "status" }
        check(status.status == CheckStatus.ALLOWED && status.detail!!.contains("unknown")) { "$status" }
        check(verified.report.checks.first().check == Check.TRUST_BUNDLE) { "check 0" }
    }
}
