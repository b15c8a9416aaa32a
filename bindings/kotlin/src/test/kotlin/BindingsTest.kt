// The Kotlin bindings on the host JVM, against the shared test vectors: the same bytes and
// outcomes as the Rust and Python suites, with signers implemented by the JDK's own Ed25519
// and ECDSA (standing in for Android Keystore). Prints "N passed, N failed".
package cn.yinzheng.tests

import cn.yinzheng.*
import java.io.File
import java.math.BigInteger
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.PrivateKey
import java.security.spec.ECGenParameterSpec
import java.security.interfaces.ECPublicKey
import java.security.spec.EdECPrivateKeySpec
import java.security.spec.NamedParameterSpec
import java.time.Duration
import java.time.Instant
import kotlin.system.exitProcess

val vectors = File(System.getProperty("yinzheng.vectors") ?: "test-vectors/certificates")
const val JILIN = "11220000013544541J"

fun tsv(name: String): List<Map<String, String>> {
    val lines = File(vectors, name).readLines().filter { it.isNotEmpty() }
    val header = lines.first().split("\t")
    return lines.drop(1).map { line -> header.zip(line.split("\t")).toMap() }
}

fun hex(s: String): ByteArray = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

val index = tsv("index.tsv")
val now: Instant = Instant.ofEpochSecond(index.first().getValue("time").toLong())

fun algorithm(name: String) = if (name == "Ed25519") SignatureAlgorithm.ED25519 else SignatureAlgorithm.ES256

/** An agency's own key: it issues certificates and signs its status lists. */
val AGENCY_ROLES = listOf(TrustRole.ISSUER, TrustRole.STATUS_LISTS)

/** The roles of a TSV cell (`issuer,status-lists`). */
fun roles(cell: String): List<TrustRole> = cell.split(",").map { TrustRole.valueOf(it.uppercase().replace("-", "_")) }

/** The certificate vectors' verification time. */
fun manifestTime(): Instant = now

fun manifestVerifier(allowUnknownStatus: Boolean = false, cofactoredBatch: Boolean = false): Verifier {
    val anchors = TrustAnchors(
        issuerKeys = tsv("trust.tsv").map {
            TrustedIssuerKey(
                name = it.getValue("name"),
                agencyCode = it.getValue("agency"),
                algorithm = algorithm(it.getValue("alg")),
                publicKey = hex(it.getValue("public_key")),
                roles = roles(it.getValue("roles")),
            )
        },
        x509Roots = tsv("x509_roots.tsv").map { TrustedRoot(name = it.getValue("name"), der = hex(it.getValue("der")), roles = roles(it.getValue("roles"))) },
        sealMakers = tsv("seal_makers.tsv").map {
            TrustedSealMaker(name = it.getValue("name"), algorithm = algorithm(it.getValue("alg")), publicKey = hex(it.getValue("public_key")))
        },
    )
    val verifier = Verifier.withAnchors(anchors, VerifierPolicy(allowClockSkewSeconds = 0uL, allowUnknownStatus = allowUnknownStatus, allowCofactoredBatch = cofactoredBatch))
    for (row in tsv("seals.tsv")) verifier.addSeal(hex(row.getValue("seal")), manifestTime())
    return verifier
}

/** A verifier for one vector row: its policy and its status lists, fed in order. */
fun verifierFor(v: Map<String, String>): Verifier {
    val verifier = manifestVerifier(v.getValue("allow_unknown_status") == "1")
    val lists = v.getValue("status_lists")
    if (lists != "-") {
        for (name in lists.split(",")) {
            val token = File(vectors, name).readBytes()
            val refusable = name.contains("malformed") || name.contains("bomb")
            try {
                verifier.addStatusList(token, manifestTime())
                check(!refusable) { "$name accepted" }
            } catch (e: YinzhengException.InvalidInput) {
                check(refusable) { "$name refused: ${e.reason}" }
            }
        }
    }
    return verifier
}

fun statusName(s: CertificateStatus?): String = s?.name?.lowercase() ?: "-"

/** An Ed25519 signer over the JDK's provider; the failure modes of a real keystore on request. */
class JdkEd25519Signer(seed: ByteArray, private val fail: String? = null) : Signer {
    private val privateKey: PrivateKey = KeyFactory.getInstance("Ed25519")
        .generatePrivate(EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed))
    private val public = SoftwareKey.fromSeed(seed).use { it.publicKey() }
    var calls = 0

    override fun algorithm() = SignatureAlgorithm.ED25519
    override fun publicKey() = public
    override fun sign(message: ByteArray): ByteArray {
        calls++
        when (fail) {
            "declared" -> throw YinzhengException.SignerFailed("user cancelled the biometric prompt")
            "unexpected" -> throw IllegalStateException("keystore exploded")
            "garbage" -> return ByteArray(64)
        }
        val s = java.security.Signature.getInstance("Ed25519")
        s.initSign(privateKey)
        s.update(message)
        return s.sign()
    }
}

/** A P-256 signer like the Secure Enclave or StrongBox: raw r||s signatures. */
class JdkP256Signer : Signer {
    private val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
    override fun algorithm() = SignatureAlgorithm.ES256
    override fun publicKey(): ByteArray {
        val w = (pair.public as ECPublicKey).w
        fun fixed(n: BigInteger) = n.toByteArray().takeLast(32).toByteArray().let { ByteArray(32 - it.size) + it }
        return byteArrayOf(4) + fixed(w.affineX) + fixed(w.affineY)
    }
    override fun sign(message: ByteArray): ByteArray {
        val s = java.security.Signature.getInstance("SHA256withECDSAinP1363Format")
        s.initSign(pair.private)
        s.update(message)
        return s.sign()
    }
}

fun licenceRequest(serial: String? = "2024031500001", disclosable: List<Field> = emptyList()) = CertificateRequest(
    typeCode = "11100000MB0341032Y002",
    typeName = "营业执照",
    number = "91350100M000100Y43",
    holderName = "福州示例科技有限公司",
    holderCode = "91350100M000100Y43",
    holderCodeType = "001",
    issuedOn = "2024-03-15",
    validFrom = "2024-03-15",
    validUntil = null,
    jurisdiction = "350100",
    fields = listOf(
        Field("类型", FieldValue.Text("有限责任公司")),
        Field("法定代表人", FieldValue.Text("林示例")),
        Field("注册资本", FieldValue.Text("壹佰万元整")),
        Field("成立日期", FieldValue.Date("2018-06-01")),
        Field("住所", FieldValue.Text("福建省福州市鼓楼区示例路1号")),
    ),
    disclosableFields = disclosable,
    serial = serial,
    version = null,
)

val tests = linkedMapOf<String, () -> Unit>()

fun main() {
    val verifier = manifestVerifier()

    for (v in index) {
        tests["vector ${v.getValue("id")}"] = {
            val bytes = File(vectors, v.getValue("file")).readBytes()
            val verifier = verifierFor(v)
            if (v.getValue("outcome") == "accept") {
                val verified = verifier.verifyCertificate(bytes, now)
                check(statusName(verified.report.status) == v.getValue("status")) { "status ${verified.report.status}" }
                val want = v.getValue("disclosed").let { if (it == "-") emptyList() else it.split(",") }
                check(verified.certificate.disclosed.map { it.name } == want) { "disclosed ${verified.certificate.disclosed}" }
                check(verified.report.warnings.size == v.getValue("warnings").toInt()) { "warnings ${verified.report.warnings}" }
            } else {
                try {
                    verifier.verifyCertificate(bytes, now)
                    throw AssertionError("accepted")
                } catch (e: YinzhengException.Rejected) {
                    check(statusName(e.report.status) == v.getValue("status")) { "status ${e.report.status}" }
                    val failed = e.report.checks.filter { it.status == CheckStatus.FAILED }
                    check(failed.map { it.name } == listOf(v.getValue("failed_check"))) { "failed $failed" }
                    check(failed.single().check == e.check) { "check ${e.check}" }
                }
            }
        }
    }

    tests["a queue of vectors in one call gives each its single verdict"] = {
        val queue = index.map { File(vectors, it.getValue("file")).readBytes() }
        val batching = manifestVerifier(cofactoredBatch = true)
        val verdicts = batching.verifyCertificates(queue, now)
        check(verdicts.size == queue.size) { "size" }
        var accepted = 0
        for ((verdict, bytes) in verdicts.zip(queue)) {
            val single = try { batching.verifyCertificate(bytes, now) } catch (e: YinzhengException.Rejected) { e }
            when (verdict) {
                is CertificateVerdict.Accepted -> {
                    // Records holding ByteArrays compare by reference in Kotlin: compare what they say.
                    check(single is VerifiedCertificate && verdict.verified.certificate.id == single.certificate.id &&
                        verdict.verified.report.text == single.report.text) { "accepted differs" }
                    accepted++
                }
                is CertificateVerdict.Rejected -> check(single is YinzhengException.Rejected && single.check == verdict.check) { "rejected differs" }
            }
        }
        check(accepted > 0) { "nothing accepted" }
    }

    tests["a Kotlin Ed25519 signer reissues the vector byte for byte; tampering is rejected"] = {
        val signer = JdkEd25519Signer(ByteArray(32) { 0x11 })
        Issuer("吉林省市场监督管理局（测试）", JILIN, signer).use { issuer ->
            val issued = issuer.issue(licenceRequest(), now.minus(Duration.ofDays(30)))
            check(signer.calls == 1) { "calls ${signer.calls}" }
            check(issued.bytes.contentEquals(File(vectors, "valid-plain.cbor").readBytes())) { "bytes differ from the vector" }
            val verified = verifier.verifyQrText(issued.qrText, now)
            check(verified.certificate.holderName == "福州示例科技有限公司") { "holder" }
            val forged = issued.bytes.copyOf()
            forged[forged.size - 80] = (forged[forged.size - 80].toInt() xor 1).toByte()
            try {
                verifier.verifyCertificate(forged, now)
                throw AssertionError("forgery accepted")
            } catch (e: YinzhengException.Rejected) {
                check(e.check == Check.ISSUER_SIGNATURE) { "check ${e.check}" }
                check(e.report.text.contains("✗ 4.")) { e.report.text }
            }
        }
    }

    tests["a P-256 signer (Secure Enclave / StrongBox shape)"] = {
        val signer = JdkP256Signer()
        Issuer("湖南省测试厅", "11430000006122244L", signer).use { issuer ->
            val issued = issuer.issue(licenceRequest(serial = null), now)
            val own = Verifier(
                listOf(TrustedIssuerKey("device", "11430000006122244L", SignatureAlgorithm.ES256, signer.publicKey(), AGENCY_ROLES)),
                VerifierPolicy(0uL, false),
            )
            check(own.verifyCertificate(issued.bytes, now).report.trustedKey == "device") { "trusted key" }
        }
    }

    for (fail in listOf("declared", "unexpected", "garbage")) {
        tests["a $fail signer failure is SignerFailed"] = {
            Issuer("测试", JILIN, JdkEd25519Signer(ByteArray(32) { 5 }, fail)).use { issuer ->
                try {
                    issuer.issue(licenceRequest(), now)
                    throw AssertionError("issued")
                } catch (e: YinzhengException.SignerFailed) {
                    check(e.reason.isNotEmpty()) { "empty reason" }
                }
            }
        }
    }

    tests["selective disclosure and two-phase signing"] = {
        val seed = ByteArray(32) { 7 }
        val key = SoftwareKey.fromSeed(seed)
        val issuer = Issuer.withSoftwareKey("测试", JILIN, key)
        val prepared = issuer.prepare(
            licenceRequest(
                disclosable = listOf(
                    Field("出生日期", FieldValue.Date("1949-12-31")),
                    Field("age_over_18", FieldValue.Bool(true)),
                    Field("准驾车型", FieldValue.ValueList(listOf(FieldValue.Text("C1"), FieldValue.Text("D")))),
                ),
            ),
            now,
        )
        val signature = JdkEd25519Signer(seed).sign(prepared.toBeSigned())
        val issued = prepared.complete(signature)
        try {
            prepared.complete(signature)
            throw AssertionError("completed twice")
        } catch (e: YinzhengException.InvalidInput) {
        }
        val shown = selectDisclosures(issued.bytes, listOf("age_over_18"))
        val own = Verifier(listOf(TrustedIssuerKey("k", JILIN, SignatureAlgorithm.ED25519, key.publicKey(), AGENCY_ROLES)), VerifierPolicy(0uL, false))
        val verified = own.verifyCertificate(shown, now)
        check(verified.certificate.disclosed == listOf(Field("age_over_18", FieldValue.Bool(true)))) { "${verified.certificate.disclosed}" }
        check(verified.certificate.labelled.any { it.label == "证照编号" }) { "labels" }
    }

    tests["clocks, codes and input errors"] = {
        val data = File(vectors, "valid-plain.cbor").readBytes()
        val fixed = object : Clock { override fun now(): Instant = now }
        val broken = object : Clock { override fun now(): Instant = throw YinzhengException.ClockUnavailable("no network time") }
        check(verifier.verifyCertificateNow(data, fixed).certificate.number == "91350100M000100Y43") { "clock" }
        try {
            verifier.verifyCertificateNow(data, broken)
            throw AssertionError("verified without a time")
        } catch (e: YinzhengException.ClockUnavailable) {
        }
        checkUscc("91350100M000100Y43")
        checkResidentId("11010519491231002X")
        try {
            checkUscc("91350100M000100Y44")
            throw AssertionError("bad USCC accepted")
        } catch (e: YinzhengException.InvalidInput) {
            check(e.reason.contains("check character")) { e.reason }
        }
        check(parseCertificateId("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F").serial == "2430599") { "id" }
        try {
            Verifier(emptyList(), VerifierPolicy(0uL, false))
            throw AssertionError("empty trust accepted")
        } catch (e: YinzhengException.InvalidInput) {
        }
    }

    auditTests()
    statusTests()
    sealTests()
    nationalTests()
    presentationTests()
    securityTests()

    var passed = 0
    var failed = 0
    for ((name, body) in tests) {
        try {
            body()
            passed++
        } catch (t: Throwable) {
            failed++
            println("FAIL $name: $t")
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}
