// Seals and stamps from Kotlin: a JDK-held seal maker key makes a seal, a document is stamped
// and verified offline (and rejected after a one-byte change), and a certificate signed under
// the seal carries its picture.
package cn.yinzheng.tests

import cn.yinzheng.*
import java.time.Instant

fun sealTests() {
    tests["make a seal, stamp a document, verify offline; certificates under the seal"] = {
        val t0 = Instant.ofEpochSecond(1_790_000_000)
        val maker = JdkEd25519Signer(ByteArray(32) { 0x61 })
        val stamper = JdkEd25519Signer(ByteArray(32) { 0x62 })
        val svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".toByteArray()
        val seal = makeSeal(
            SealRequest(
                id = "2200000000000042", kindCode = 1uL, name = "吉林省市场监督管理局（测试）电子公章",
                ownerName = "吉林省市场监督管理局（测试）", ownerCode = JILIN,
                authorisedKeys = listOf(stamper.publicKey()),
                created = t0, validFrom = t0, validUntil = t0.plusSeconds(365L * 86_400),
                pictureFormat = "svg", picture = svg, widthMm = 42u, heightMm = 42u,
                statusUri = null, statusIndex = null,
            ),
            maker, null,
        )
        val verifier = Verifier.withAnchors(
            TrustAnchors(
                issuerKeys = listOf(), x509Roots = listOf(),
                sealMakers = listOf(TrustedSealMaker("制章中心", SignatureAlgorithm.ED25519, maker.publicKey())),
            ),
            VerifierPolicy(0uL, false),
        )
        val document = "%PDF-1.7 ... %%EOF".toByteArray()
        val stamp = stampDocument(seal, document, "全文", stamper, t0.plusSeconds(100), null)
        val verified = verifier.verifyStamp(stamp, document, t0.plusSeconds(200))
        check(verified.seal.picture.contentEquals(svg)) { "picture" }
        val altered = document.copyOf().also { it[3] = (it[3].toInt() xor 1).toByte() }
        try {
            verifier.verifyStamp(stamp, altered, t0.plusSeconds(200))
            check(false) { "altered document accepted" }
        } catch (e: YinzhengException.Rejected) {
            check(e.check == Check.DOCUMENT_DIGEST) { "failed at ${e.check}" }
        }
        val issued = Issuer("吉林省市场监督管理局（测试）", JILIN, stamper).withSeal(seal)
            .issue(licenceRequest(serial = null), t0.plusSeconds(100))
        check(verifier.addSeal(seal, t0).outcome == SealOutcome.STORED) { "seal stored" }
        val cert = verifier.verifyCertificate(issued.bytes, t0.plusSeconds(200))
        check(cert.seal?.id == "2200000000000042") { "seal on the certificate" }
    }
}
