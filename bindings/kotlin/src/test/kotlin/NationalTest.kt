// National seals, stamps and OFD documents from Kotlin (feature gm): a Kotlin Signer over an
// SM2 key (where a UKey would sit) makes a GB/T 38540 seal under the vectors' SM2 maker
// certificate, stamps and then signs an OFD, and a verifier trusting the SM2 root accepts
// both signatures and refuses the document with one byte changed; every OFD vector of
// test-vectors/gm/ofd.tsv gets the verdict listed for us.
package cn.yinzheng.tests

import cn.yinzheng.*
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.File
import java.time.Instant
import java.util.Base64
import java.util.zip.ZipEntry
import java.util.zip.ZipInputStream
import java.util.zip.ZipOutputStream

val gmVectors = File(vectors.parentFile, "gm")

fun pemCertificate(name: String): ByteArray {
    val text = File(gmVectors, "$name.pem").readText()
    val body = text.substringAfter("-----BEGIN CERTIFICATE-----").substringBefore("-----END CERTIFICATE-----")
    return Base64.getMimeDecoder().decode(body)
}

/** A signer over an in-memory SM2 key; a UKey or HSM would implement the same interface. */
class Sm2Signer(scalar: Byte) : Signer {
    private val key = Sm2Key.fromBytes(ByteArray(32) { scalar })
    override fun algorithm() = SignatureAlgorithm.SM2_SM3
    override fun publicKey() = key.publicKey()
    override fun sign(message: ByteArray) = key.sign(message)
}

fun nationalVerifier() = Verifier.withAnchors(
    TrustAnchors(
        issuerKeys = listOf(),
        x509Roots = listOf(TrustedRoot("sm2-root", pemCertificate("sm2-root"), listOf(TrustRole.SEAL_MAKER, TrustRole.STAMP_SIGNER))),
        sealMakers = listOf(),
    ),
    VerifierPolicy(0uL, false),
)

/** The package with one byte of `path` flipped, rewritten with the JDK's zip. */
fun flipped(ofd: ByteArray, path: String): ByteArray {
    val out = ByteArrayOutputStream()
    ZipInputStream(ByteArrayInputStream(ofd)).use { zin ->
        ZipOutputStream(out).use { zout ->
            while (true) {
                val entry = zin.nextEntry ?: break
                val bytes = zin.readBytes()
                if (entry.name == path) bytes[bytes.size / 2] = (bytes[bytes.size / 2].toInt() xor 1).toByte()
                zout.putNextEntry(ZipEntry(entry.name))
                zout.write(bytes)
                zout.closeEntry()
            }
        }
    }
    return out.toByteArray()
}

fun nationalTests() {
    val now = Instant.ofEpochSecond(1_785_542_400) // 2026-08-01
    tests["a seal, a stamped and signed OFD made from Kotlin verify; one changed byte is refused"] = {
        val maker = Sm2Signer(0x72)
        val signer = Sm2Signer(0x73)
        val start = Instant.ofEpochSecond(1_735_689_600)
        val seal = makeNationalSeal(
            NationalSealDraft(
                vendor = "yinzheng", id = "22010000000000000007", kindCode = 1uL, name = "测试专用章",
                signerCertificates = listOf(pemCertificate("sm2-signer")),
                created = start, validFrom = start, validUntil = start.plusSeconds(3L * 365 * 86_400),
                pictureFormat = "SVG", picture = "<svg/>".toByteArray(), widthMm = 40uL, heightMm = 40uL,
            ),
            pemCertificate("sm2-maker"), maker,
        )
        val verifier = nationalVerifier()
        check(verifier.verifyNationalSeal(seal, now).seal.name == "测试专用章") { "seal" }
        val document = makeOfd("通知（测试）", "2026-06-01", listOf(listOf(OfdTextLine(25.0, 40.0, 5.0, "经审查，准予许可。"))))
        val at = now.minusSeconds(86_400)
        val stamped = stampOfd(document, seal, StampPlacement(0u, 140.0, 230.0, 40.0, 40.0), at, pemCertificate("sm2-signer"), signer)
        val signed = signOfd(stamped, at, pemCertificate("sm2-signer"), signer)
        val verdict = verifier.verifyOfd(signed, now)
        check(verdict.valid) { "verdict $verdict" }
        val kinds = verdict.signatures.map { (it.outcome as OfdSignatureOutcome.Valid).signed::class.simpleName }
        check(kinds == listOf("Stamp", "Signature")) { "kinds $kinds" }
        val changed = verifier.verifyOfd(flipped(signed, "Doc_0/Pages/Page_0/Content.xml"), now)
        check(!changed.valid) { "changed page accepted" }
        val outcome = changed.signatures[0].outcome
        check(outcome is OfdSignatureOutcome.ReferencesChanged && outcome.files == listOf("Doc_0/Pages/Page_0/Content.xml")) { "outcome $outcome" }
    }

    tests["every OFD vector gets our listed verdict"] = {
        val verifier = nationalVerifier()
        val manifestNow = Instant.ofEpochSecond(1_795_226_400) // the gm manifest's time
        val rows = File(gmVectors, "ofd.tsv").readLines().drop(1).filter { it.isNotBlank() }.map { it.split("\t") }
        check(rows.size >= 10) { "rows ${rows.size}" }
        for ((id, file, _, ours) in rows) {
            val verdict = verifier.verifyOfd(File(gmVectors, file).readBytes(), manifestNow)
            // The e-licence's attached certificate needs the agency key too; its document
            // signatures are what this verifier checks.
            check(verdict.valid == (ours == "accept")) { "$id: valid=${verdict.valid}, expected $ours" }
        }
    }
}
