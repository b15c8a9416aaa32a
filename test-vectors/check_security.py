#!/usr/bin/env python3
"""Runs the security scenarios (test-vectors/security/) with an independent verifier written
here from the formats and rules in docs/FORMAT.md and SECURITY.md: cbor2 for CBOR,
`cryptography` for Ed25519, ECDSA P-256 and X.509, Python's zlib for status lists.

The rules it re-implements: each signed object's header rule (unsigned items: disclosures on
certificates, kid on status lists, nothing otherwise), keys trusted for a role (raw keys by
kid, X.509 leaves carrying the role's key purpose under a root trusted for it), revoked keys
(by SHA-256 of the key bytes, for every key on a path), status lists held by (agency, URI)
with future-dated lists refused, seals held by digest with versions only their maker can
advance, the replay cache keyed on the signed content, and the trust bundle's validity at
every verification. Imported by check_vectors.py; prints its own tally when run alone.
"""
import hashlib
import json
import pathlib
import sys
import zlib

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = pathlib.Path(__file__).resolve().parent / "security"
ROLE_ARC = "2.25.98423080381985072152566409646909312332"
ROLES = {"issuer": 1, "seal-maker": 2, "status-lists": 3, "bundle-publisher": 4}
TYPS = {
    "certificate": {"application/yz-cert+cwt"},
    "presentation": {"application/yz-presentation+cose"},
    "seal": {"application/yz-seal+cose"},
    "stamp": {"application/yz-stamp+cose"},
    "status-list": {"application/statuslist+cwt", "statuslist+cwt"},
    "bundle": {"application/yz-trust-bundle+cose"},
}
KID, DISCLOSURES, X5CHAIN, SEAL_HEADER = 4, -65537, 33, -65538


class Refused(Exception):
    """A verification failed at the check named by the argument."""


def key_bytes(key):
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def digest(key):
    return hashlib.sha256(key_bytes(key)).digest()


def parse_key(alg, raw):
    try:
        if alg in (-19, -8):
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        if alg in (-7, -9):
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return None
    return None


def signature_ok(key, alg, tbs, sig):
    try:
        if alg in (-19, -8) and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, tbs)
            return True
        if alg in (-7, -9) and isinstance(key, ec.EllipticCurvePublicKey) and len(sig) == 64:
            r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            key.verify(encode_dss_signature(r, s), tbs, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        pass
    return False


def envelope(data, kind):
    """Decode + typ + header rule; raises Refused('decode')."""
    try:
        tag = cbor2.loads(data)
        protected_bytes, unprotected, payload, sig = tag.value
        protected = cbor2.loads(protected_bytes)
    except Exception as e:  # noqa: BLE001
        raise Refused("decode") from e
    if tag.tag != 18 or protected.get(16) not in TYPS[kind]:
        raise Refused("decode")
    allowed = {"certificate": {DISCLOSURES}, "status-list": {KID}}.get(kind, set())
    if set(unprotected) - allowed:
        raise Refused("decode")
    if X5CHAIN in protected and kind in ("presentation", "stamp"):
        raise Refused("decode")
    if SEAL_HEADER in protected and kind != "status-list":
        raise Refused("decode")
    if (KID in protected) == (KID in unprotected):
        raise Refused("decode")
    kid = protected.get(KID, unprotected.get(KID))
    tbs = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    return {"protected": protected, "unprotected": unprotected, "payload": payload,
            "sig": sig, "tbs": tbs, "kid": kid, "alg": protected.get(1)}


class Verifier:
    def __init__(self, manifest, scenario, now):
        self.now = now
        self.keys = []  # (kid set, key, agency, roles, name)
        self.roots = []  # (certificate, roles)
        self.revoked = {}
        self.bundle = None
        self.allow_unknown = scenario["allow_unknown_status"]
        self.replay = set() if scenario["replay_cache"] else None
        self.seals = {}  # digest -> held
        self.current = {}  # esID -> held
        self.lists = {}  # (agency, uri) -> (claims, content)
        if scenario["bundle"]:
            self.load_bundle(scenario["bundle"])
            return
        for t in manifest["trust"]:
            self.add_key(t["name"], t["alg"], bytes.fromhex(t["public_key"]), t["agency"],
                         {ROLES[r] for r in t["roles"]},
                         bytes.fromhex(t["key_id"]) if "key_id" in t else None)
        for m in manifest["seal_makers"]:
            self.add_key(m["name"], m["alg"], bytes.fromhex(m["public_key"]), None, {2})
        for r in manifest["x509_roots"]:
            self.roots.append((x509.load_der_x509_certificate(bytes.fromhex(r["der"])),
                               {ROLES[n] for n in r["roles"]}))
        for r in scenario["revoked_keys"]:
            self.revoked[bytes.fromhex(r["key_sha256"])] = r["since"]

    def add_key(self, name, alg, raw, agency, roles, external_kid=None):
        key = parse_key(-19 if alg == "Ed25519" else -7, raw)
        kids = {hashlib.sha256(raw).digest()[:8]} | ({external_kid} if external_kid else set())
        self.keys.append((kids, key, agency, roles, name))

    def load_bundle(self, spec):
        data = (HERE / spec["file"]).read_bytes()
        e = envelope(data, "bundle")
        publisher = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(spec["publisher_key"]))
        assert signature_ok(publisher, e["alg"], e["tbs"], e["sig"]), "bundle signature"
        b = cbor2.loads(e["payload"])
        assert b[2] <= self.now < b[3], "bundle not fresh when loaded"
        self.bundle = (b[2], b[3])
        for name, agency, alg, raw, roles in b.get(4, []):
            self.add_key(name, "Ed25519" if alg in (-19, -8) else "ES256", raw, agency,
                         {n for n in range(1, 5) if roles & (1 << (n - 1))})
        for name, der, roles in b.get(5, []):
            self.roots.append((x509.load_der_x509_certificate(der),
                               {n for n in range(1, 5) if roles & (1 << (n - 1))}))
        for name, alg, raw in b.get(6, []):
            self.add_key(name, "Ed25519" if alg in (-19, -8) else "ES256", raw, None, {2})
        for entry in b.get(9, []):
            self.revoked[entry[0]] = entry[1] if len(entry) > 1 else None
        for seal in b.get(7, []):
            self.add_seal(seal)
        for token in b.get(8, []):
            self.add_list(token)

    def is_revoked(self, key_digest, now):
        if key_digest not in self.revoked:
            return False
        since = self.revoked[key_digest]
        return since is None or now >= since

    def chain(self, ders, role, when):
        """Leaf key, agency and path key digests of a chain valid for `role` at `when`."""
        certs = [x509.load_der_x509_certificate(d) for d in ders]
        if len(certs) > 1 and any(certs[-1] == r for r, _ in self.roots):
            certs = certs[:-1]
        for i, cert in enumerate(certs):
            if not cert.not_valid_before_utc.timestamp() <= when <= cert.not_valid_after_utc.timestamp():
                raise Refused("chain validity")
            if i + 1 < len(certs):
                cert.verify_directly_issued_by(certs[i + 1])
        roots = [(r, roles) for r, roles in self.roots if r.subject == certs[-1].issuer]
        if not roots:
            raise Refused("untrusted root")
        root, roles = roots[0]
        certs[-1].verify_directly_issued_by(root)
        if role not in roles:
            raise Refused("root role")
        try:
            eku = certs[0].extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            purposes = {o.dotted_string for o in eku}
        except x509.ExtensionNotFound:
            purposes = set()
        if f"{ROLE_ARC}.{role}" not in purposes:
            raise Refused("leaf not marked")
        org = certs[0].subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_IDENTIFIER)
        path = [digest(c.public_key()) for c in certs] + [digest(root.public_key())]
        return certs[0].public_key(), (org[0].value if org else None), path

    def resolve(self, e, role, when, check):
        """Candidates (key, agency, vouching digests) trusted for `role`; Refused(check)."""
        if e["alg"] not in (-19, -8, -7, -9):
            raise Refused("algorithm" if check == "issuer-key" else check)
        if X5CHAIN in e["protected"]:
            chain = e["protected"][X5CHAIN]
            try:
                key, agency, path = self.chain([chain] if isinstance(chain, bytes) else chain, role, when)
            except Exception as err:  # noqa: BLE001
                raise Refused(check) from err
            if hashlib.sha256(key_bytes(key)).digest()[:8] != e["kid"]:
                raise Refused(check)
            return self.admit([(key, agency, path[1:])], check)
        found = [(k, agency, []) for kids, k, agency, roles, _ in self.keys
                 if e["kid"] in kids and role in roles]
        if not found:
            raise Refused(check)
        return self.admit(found, check)

    def admit(self, candidates, check):
        kept = [c for c in candidates
                if not any(self.is_revoked(d, self.now) for d in [digest(c[0])] + list(c[2]))]
        if not kept:
            raise Refused(check)
        return kept

    def verify(self, e, candidates, check):
        for c in candidates:
            if signature_ok(c[0], e["alg"], e["tbs"], e["sig"]):
                return c
        raise Refused(check)

    # Seals
    def seal_maker(self, e, seal):
        return self.verify(e, self.resolve(e, 2, seal[7], "seal-maker"), "seal-maker")

    def add_seal(self, data):
        e = envelope(data, "seal")
        seal = cbor2.loads(e["payload"])
        maker = self.seal_maker(e, seal)
        held = {"seal": seal, "content": hashlib.sha256(e["tbs"]).digest(), "maker": maker}
        current = self.current.get(seal[1])
        if current is None:
            self.seals[hashlib.sha256(data).digest()] = held
            self.current[seal[1]] = held
            return "stored"
        if key_bytes(current["maker"][0]) != key_bytes(maker[0]):
            raise Refused("other maker")
        if any(h["content"] == held["content"] for h in self.seals.values()):
            self.seals[hashlib.sha256(data).digest()] = next(
                h for h in self.seals.values() if h["content"] == held["content"])
            return "already-held"
        if seal[7] == current["seal"][7]:
            raise Refused("conflict")
        self.seals[hashlib.sha256(data).digest()] = held
        if seal[7] > current["seal"][7]:
            self.current[seal[1]] = held
            return "replaced"
        return "kept-newer"

    def authorising_seal(self, esid, seal_digest, key_digest):
        held = self.seals.get(seal_digest)
        if held is None or held["seal"][1] != esid or key_digest not in held["seal"][6]:
            raise Refused("issuer-key")
        if key_digest not in self.current[esid]["seal"][6]:
            raise Refused("issuer-key")
        maker = held["maker"]
        if any(self.is_revoked(d, self.now) for d in [digest(maker[0])] + list(maker[2])):
            raise Refused("issuer-key")
        return held

    # Status lists
    def add_list(self, data):
        claims, agency, content = self.verify_list(data)
        key = (agency, claims[2])
        held = self.lists.get(key)
        if held and held[1] == content:
            return "already-held"
        if held and held[0][6] >= claims[6]:
            return "kept-held"
        self.lists[key] = (claims, content, self.last_signer_keys)
        return "replaced" if held else "stored"

    def verify_list(self, data):
        e = envelope(data, "status-list")
        claims = cbor2.loads(e["payload"])
        if SEAL_HEADER in e["protected"]:
            esid, seal_digest, raw = e["protected"][SEAL_HEADER]
            key = parse_key(e["alg"], raw)
            held = self.authorising_seal(esid, seal_digest, hashlib.sha256(raw).digest())
            if not held["seal"][8] <= claims[6] < held["seal"][9]:
                raise Refused("seal validity")
            vouching = [digest(held["maker"][0])] + list(held["maker"][2])
            signer = self.verify(e, self.admit([(key, held["seal"][5], vouching)], "list"), "list")
        else:
            signer = self.verify(e, self.resolve(e, 3, claims[6], "list"), "list")
        self.last_signer_keys = [digest(signer[0])] + list(signer[2])
        if claims[6] > self.now:
            raise Refused("from the future")
        return claims, signer[1], hashlib.sha256(e["tbs"]).digest()

    def status(self, reference, agency, now):
        held = self.lists.get((agency, reference["uri"]))
        if held is None:
            return "unknown"
        claims = held[0]
        if any(self.is_revoked(d, now) for d in held[2]):
            return "unknown"  # its signer was revoked after it was held
        if claims[6] > now or now > claims[6] + claims.get(65534, 86400):
            return "unknown"
        lst = claims[65533]
        bits, raw = lst["bits"], zlib.decompress(lst["lst"])
        i = reference["idx"]
        if i * bits // 8 >= len(raw):
            return "unknown"
        value = (raw[i * bits // 8] >> (i * bits % 8)) & ((1 << bits) - 1)
        return {0: "valid", 1: "revoked", 2: "suspended"}.get(value, "unknown")

    # Objects
    def bundle_check(self, now):
        if self.bundle and not self.bundle[0] <= now < self.bundle[1]:
            raise Refused("trust-bundle")

    def certificate(self, data, now, presented=None):
        """Returns the status (or None); raises Refused(check)."""
        self.bundle_check(now)
        e = envelope(data, "certificate")
        claims = cbor2.loads(e["payload"])
        yz = claims[-65537]
        if yz.get(11) is not None and X5CHAIN not in e["protected"]:
            esid, seal_digest, raw = yz[11]
            key = parse_key(e["alg"], raw)
            held = self.authorising_seal(esid, seal_digest, hashlib.sha256(raw).digest())
            if not held["seal"][8] <= claims[6] < held["seal"][9]:
                raise Refused("issuer-key")
            candidates = self.admit([(key, held["seal"][5], [])], "issuer-key")
        else:
            candidates = self.resolve(e, 1, claims[6], "issuer-key")
        signer = self.verify(e, candidates, "issuer-signature")
        if signer[1] != claims[1]:
            raise Refused("issuer-identity")
        if claims[6] > now or now < claims[5] or now >= claims.get(4, now + 1):
            raise Refused("validity")
        digests = set(yz.get(10, []))
        if any(hashlib.sha256(i).digest() not in digests for i in e["unprotected"].get(DISCLOSURES, [])):
            raise Refused("disclosures")
        if 8 in claims and presented is None:
            raise Refused("holder-binding")
        if presented is not None:
            presented(claims)
        if 65535 not in claims:
            return None
        status = self.status(claims[65535]["status_list"], claims[1], now)
        if status == "unknown" and self.allow_unknown:
            return status
        if status != "valid":
            raise Refused("status", status)
        return status

    def presentation(self, data, now):
        e = envelope(data, "presentation")
        claims = cbor2.loads(e["payload"])

        def device_signed(certificate_claims):
            cose_key = certificate_claims[8][1]
            if cose_key[1] == 1:
                key = ed25519.Ed25519PublicKey.from_public_bytes(cose_key[-2])
            else:
                point = bytes([0x03 if cose_key[-3] else 0x02]) + cose_key[-2]
                key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
            if not signature_ok(key, e["alg"], e["tbs"], e["sig"]):
                raise Refused("holder-binding")
            if not claims[2] <= now < claims[3]:
                raise Refused("holder-binding")
            if self.replay is not None:
                seen = hashlib.sha256(e["tbs"]).digest()
                if seen in self.replay:
                    raise Refused("holder-binding")
                self.replay.add(seen)

        return self.certificate(claims[1], now, device_signed)

    def stamp(self, data, document, now):
        self.bundle_check(now)
        e = envelope(data, "stamp")
        claims = cbor2.loads(e["payload"])
        seal_e = envelope(claims[1], "seal")
        seal = cbor2.loads(seal_e["payload"])
        key = parse_key(e["alg"], claims[5])
        if key is None or self.is_revoked(digest(key), now) or not signature_ok(key, e["alg"], e["tbs"], e["sig"]):
            raise Refused("stamp-signature")
        if hashlib.sha256(claims[5]).digest() not in seal[6]:
            raise Refused("seal-authorisation")
        maker = self.seal_maker(seal_e, seal)
        current = self.current.get(seal[1])
        if (current and key_bytes(current["maker"][0]) == key_bytes(maker[0])
                and current["seal"][7] > seal[7]
                and hashlib.sha256(claims[5]).digest() not in current["seal"][6]):
            raise Refused("seal-authorisation")
        if not seal[8] <= claims[2] < seal[9] or claims[2] > now:
            raise Refused("seal-validity")
        if claims[3] != [-16, hashlib.sha256(document).digest()]:
            raise Refused("document-digest")
        return None


def run(scenario, manifest):
    now = manifest["time"]
    v = Verifier(manifest, scenario, now)
    read = lambda f: (HERE / f).read_bytes()  # noqa: E731
    for items, add in ((scenario["seals"], v.add_seal), (scenario["status_lists"], v.add_list)):
        for item in items:
            try:
                got = add(read(item["file"]))
            except Refused:
                got = "refused"
            assert got == item["expect"], f"{item['file']}: {got}"
    for i, check in enumerate(scenario["checks"]):
        at = check.get("time", now)
        v.now = at  # revocations apply as of the verification time
        expected = check["expected"]
        status, failed = None, None
        try:
            kind, data = check["kind"], read(check["file"])
            if kind == "certificate":
                status = v.certificate(data, at)
            elif kind == "presentation":
                status = v.presentation(data, at)
            elif kind == "stamp":
                status = v.stamp(data, read(check["document"]), at)
            else:
                v.bundle_check(at)
                claims = v.verify_list(data)[0]
                raw = zlib.decompress(claims[65533]["lst"])
                statuses = [(raw[j // 8] >> (j % 8)) & 1 for j in range(len(expected["statuses"]))]
                assert statuses == expected["statuses"], f"statuses {statuses}"
        except Refused as r:
            failed = r.args[0]
            status = r.args[1] if len(r.args) > 1 else None
        assert failed == expected["failed_check"], f"check {i}: failed at {failed}"
        assert status == expected["status"], f"check {i}: status {status}"


def scenarios():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    return [(s, lambda s=s: run(s, manifest)) for s in manifest["vectors"]]


if __name__ == "__main__":
    passed = failed = 0
    for scenario, check in scenarios():
        try:
            check()
            passed += 1
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"FAIL {scenario['id']}: {e!r}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)
