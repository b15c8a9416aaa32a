// 亮证 from Kotlin: a certificate bound to a JDK-held P-256 key (standing in for Android
// Keystore / StrongBox), presented as a rotating QR code and verified offline with a nonce and
// a replay cache; a screenshot shown after expiry is rejected.
package cn.yinzheng.tests

import cn.yinzheng.*
import java.time.Instant

fun presentationTests() {
    tests["present with a device key, verify with a nonce, refuse a replay and a screenshot"] = {
        val now = Instant.ofEpochSecond(1_795_226_400)
        val phone = JdkP256Signer()
        val issuer = Issuer("测试", JILIN, JdkEd25519Signer(ByteArray(32) { 0x11 }))
        val request = licenceRequest(
            serial = null,
            disclosable = listOf(Field("经营范围", FieldValue.Text("软件开发"))),
        ).copy(holderKey = DeviceKey(SignatureAlgorithm.ES256, phone.publicKey()))
        val issued = issuer.issue(request, now.minusSeconds(3600))
        val presenter = Presenter(issued.bytes, phone)
        val nonce = ByteArray(12) { 7 }
        val shown = presenter.present(
            PresentationOptions(reveal = listOf("经营范围"), lifetimeSeconds = 60uL, nonce = nonce, audience = "银行柜台", purpose = "开户"),
            now,
        )
        val verifier = Verifier(
            listOf(TrustedIssuerKey("kt", JILIN, SignatureAlgorithm.ED25519, SoftwareKey.fromSeed(ByteArray(32) { 0x11 }).publicKey(), AGENCY_ROLES)),
            VerifierPolicy(0uL, false, 32uL, false),
        )
        val verified = verifier.verifyPresentationQr(shown.qrText, now.plusSeconds(2), nonce, "银行柜台")
        check(verified.certificate.disclosed.single().name == "经营范围") { "revealed field" }
        try {
            verifier.verifyPresentationQr(shown.qrText, now.plusSeconds(3), nonce, null)
            check(false) { "replay accepted" }
        } catch (e: YinzhengException.Rejected) {
            check(e.check == Check.HOLDER_BINDING) { "replay failed at ${e.check}" }
        }
        val code = presenter.rotatingCode(PresentationOptions(listOf(), 60uL, null, null, null), now, 30uL)
        val screenshotLater = now.plusSeconds(120)
        try {
            Verifier(
                listOf(TrustedIssuerKey("kt", JILIN, SignatureAlgorithm.ED25519, SoftwareKey.fromSeed(ByteArray(32) { 0x11 }).publicKey(), AGENCY_ROLES)),
                VerifierPolicy(0uL, false, 0uL, false),
            ).verifyPresentationQr(code.qrText, screenshotLater, null, null)
            check(false) { "expired code accepted" }
        } catch (e: YinzhengException.Rejected) {
            check(e.check == Check.HOLDER_BINDING) { "screenshot failed at ${e.check}" }
        }
        check(renderQrPng(code.qrText, QrLevel.M, 3u).size > 100) { "png" }
    }
}
