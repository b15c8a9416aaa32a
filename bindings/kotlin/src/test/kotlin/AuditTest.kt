// The audit log from Kotlin: the shared audit vectors verified with nothing but the verifier
// key, fork evidence, and a live log fed by an issuer.
package cn.yinzheng.tests

import cn.yinzheng.*
import java.io.File
import java.nio.file.Files
import java.security.MessageDigest
import java.time.Instant

val auditDir = File(vectors.parentFile, "audit")

fun auditTests() {
    val (origin, vkey) = File(auditDir, "vkey.txt").readLines()
    val rows = File(auditDir, "index.tsv").readLines().drop(1).filter { it.isNotEmpty() }.map { it.split("\t") }
    for ((id, kind, file, held, outcome) in rows) {
        tests["audit vector $id"] = {
            val data = File(auditDir, file).readBytes()
            val accept = outcome == "accept"
            val ok = try {
                when (kind) {
                    "inclusion" -> verifyInclusionBundle(String(data), origin, listOf(vkey)).index ==
                        when (id) {
                            "inclusion-status-change" -> 0uL
                            "inclusion-list-published" -> 1uL
                            else -> 3uL
                        }
                    "consistency" -> CheckpointAuditor(origin, listOf(vkey), File(auditDir, held).readText()).use { it.update(String(data)) == 12uL }
                    "segment" -> verifyLogFile(data, origin, vkey) == 12uL
                    else -> CheckpointAuditor(origin, listOf(vkey), String(data)).use { it.newest() == String(data) }
                }
            } catch (e: YinzhengException.AuditRejected) {
                false
            } catch (e: YinzhengException.Inconsistent) {
                false
            }
            check(ok == accept) { "$id: accepted=$ok, expected $outcome" }
        }
    }

    tests["audit fork evidence carries both checkpoints"] = {
        val held = File(auditDir, "checkpoint-5.note").readText()
        CheckpointAuditor(origin, listOf(vkey), held).use { auditor ->
            try {
                auditor.update(File(auditDir, "consistency-fork.txt").readText())
                throw AssertionError("fork accepted")
            } catch (e: YinzhengException.Inconsistent) {
                check(e.held == held && e.offered.contains("\n12\n")) { "evidence" }
            }
        }
    }

    tests["an issuer records every certificate in a live log"] = {
        val dir = Files.createTempDirectory("yz-kotlin-audit").toFile()
        val logOrigin = "audit.example.gov.cn/kotlin"
        AuditLog.openWithSoftwareKey(File(dir, "log").path, logOrigin, SoftwareKey.fromSeed(ByteArray(32) { 3 })).use { log ->
            val issuer = Issuer("测试", JILIN, JdkEd25519Signer(ByteArray(32) { 4 })).withAuditLog(log)
            val issued = issuer.issue(licenceRequest(serial = null), Instant.ofEpochSecond(1_795_226_400))
            val record = verifyInclusionBundle(log.inclusionBundle(0uL), logOrigin, listOf(log.verifierKey()))
            check(record.event.kind == AuditEventKind.CERTIFICATE_ISSUED) { "kind" }
            check(record.event.subject.contentEquals(issued.certificate.id.toByteArray())) { "subject" }
            check(record.event.objectDigest.contentEquals(MessageDigest.getInstance("SHA-256").digest(issued.bytes))) { "digest" }
            check(verifyLogFile(File(dir, "log/log.seg").readBytes(), logOrigin, log.verifierKey()) == 1uL) { "log file" }
            log.verifierKey()
        }.let { vkey ->
            // An auditor with the verifier key alone, no lock and no private key.
            AuditLogReader.open(File(dir, "log").path, logOrigin, vkey).use { reader ->
                check(reader.size() == 1uL && reader.verifyHistory() == 1uL) { "reader" }
                verifyInclusionBundle(reader.inclusionBundle(0uL), logOrigin, listOf(vkey))
            }
            check(verifyLogDir(File(dir, "log").path, logOrigin, vkey, true) == 1uL) { "log dir" }
        }
        dir.deleteRecursively()
    }

    tests["a log published as tiles is proven from the directory and witnessed 2 of 3"] = {
        val dir = Files.createTempDirectory("yz-kotlin-tiles").toFile()
        val logOrigin = "audit.example.gov.cn/kotlin-tiles"
        AuditLog.openWithSoftwareKey(File(dir, "log").path, logOrigin, SoftwareKey.fromSeed(ByteArray(32) { 3 })).use { log ->
            for (i in 0 until 300) {
                log.append(AuditEvent(AuditEventKind.KEY_EVENT, ByteArray(32), "k$i".toByteArray(), ByteArray(32), ByteArray(0)), Instant.ofEpochSecond(1_795_226_400))
            }
            check(log.publishTiles(File(dir, "public").path) == 300uL) { "published" }
            val vkey = log.verifierKey()
            PublishedLog.openDirectory(File(dir, "public").path, logOrigin, listOf(vkey)).use { published ->
                check(published.verifyAll() == 300uL) { "audit" }
                check(verifyInclusionBundle(published.inclusionBundle(299uL), logOrigin, listOf(vkey)).event.subject.contentEquals("k299".toByteArray())) { "entry" }
            }
            (0 until 3).forEach { createWitnessState(File(dir, "w$it.state").path) }
            val witnesses = (0 until 3).map { w -> Witness("witness$w.example", JdkEd25519Signer(ByteArray(32) { (40 + w).toByte() }), listOf(vkey), File(dir, "w$w.state").path) }
            var note = log.checkpoint()
            for (w in witnesses.take(2)) note = addCosignatures(note, w.verifierKey(), w.addCheckpoint(log.consistencyBundle(0uL), Instant.ofEpochSecond(1_795_226_400)))
            WitnessPolicy(vkey, witnesses.map { it.verifierKey() }, 2u).use { policy ->
                check(policy.check(note).cosigners.size == 2) { "quorum" }
            }
            try {
                witnesses[0].addCheckpoint(log.consistencyBundle(0uL), Instant.ofEpochSecond(1_795_226_401))
                throw AssertionError("stale request cosigned")
            } catch (e: YinzhengException.WitnessRefused) {
                check(e.status == 409.toUShort()) { "status ${e.status}" }
            }
        }
        dir.deleteRecursively()
    }
}
