#!/usr/bin/env python3
"""Writes the valid seed inputs of the fuzz targets into fuzz/corpus/<target>/, named by their
SHA-1 as libFuzzer names its inputs. Run once when a target is added (or its format changes);
scripts/fuzz.sh then grows the corpus from these. The shapes follow what privet itself writes:
SerializeAuditEntry's canonical bytes, TreeHeadToJson, rights_internal::ToRecord's document,
EncodeStringArray's list columns. Tree heads are signed with the fixed key of audit_entry_fuzz.cc
(Ed25519 seed of 32 bytes 0x42), so valid signatures are in the corpus.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FUZZ = os.path.dirname(os.path.abspath(__file__))


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def audit_entry(event, at, subject, principal, action, purpose, categories, outcome, basis,
                withheld, detail, version):
    def s(v):
        return json.dumps(v, separators=(",", ":"))
    return ('{"event":%s,"at":%d,"subject":%d,"principal":%s,"action":%s,"purpose":%s,'
            '"categories":%s,"outcome":%s,"basis":%s,"withheld":%s,"detail":%s,'
            '"policy_version":%d}' % (s(event), at, subject, s(principal), s(action), s(purpose),
                                      s(categories), s(outcome), s(basis), s(withheld), s(detail),
                                      version))


def audit_seeds():
    t = "audit_entry_fuzz"
    write(t, audit_entry("decision", 1709553600, 42, "staff:support", "read", "service.support",
                         ["user.name", "user.contact.email"], "allowed", "contract",
                         ["user.contact.phone:no_consent"], "", 3))
    write(t, audit_entry("subject_created", 1709553600, 1, "service", "create", "", [], "allowed",
                         "", [], "", 1))
    write(t, audit_entry("consent", 0, 7, "subject", "grant", "marketing.email", [], "allowed",
                         "consent", [], "cookie_banner", 2))
    write(t, audit_entry("key_event", -1, 0, "admin", "rotate", "", [], "allowed", "", [],
                         "master_key_rotated", 1))
    write(t, audit_entry("erasure", 4102444800, 18446744073709551615, "organization_admin:9",
                         "erase", "", ["user.name"], "allowed", "legal_obligation", [],
                         "r\u00e9f\"\\\n", 2147483647))
    # Not canonical: spaces, another key order, a duplicate key; read all the same.
    write(t, json.dumps({"policy_version": 1, "detail": "", "withheld": [], "basis": "",
                         "outcome": "allowed", "categories": [], "purpose": "", "action": "write",
                         "principal": "service", "subject": 3, "at": 5, "event": "write"}))
    key = Ed25519PrivateKey.from_private_bytes(b"\x42" * 32)
    for size, root, ts in [
        (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "2024-03-04T12:00:00Z"),
        (1, "6E340B9CFFB37A989CA544E6BB780A2C78901D3FB33738768511A30617AFA01D",
         "2024-03-04T12:00:01Z"),
        (12, "aa" * 32, "2024-03-05T00:00:00Z"),
    ]:
        message = "privet-tree-head/v1\n%d\n%s\n%s\n" % (size, root, ts)
        sig = base64.b64encode(key.sign(message.encode())).decode()
        write(t, json.dumps({"tree_size": size, "root_hash": root, "timestamp": ts,
                             "signature": sig}, indent=2))
    write(t, json.dumps({"tree_size": 5, "root_hash": "00" * 32, "timestamp": "x",
                         "signature": "AAAA"}))
    # A proof-shaped input: two sizes, then 32-byte hashes.
    write(t, (3).to_bytes(8, "little") + (7).to_bytes(8, "little") + bytes(range(96)))
    write(t, (4).to_bytes(8, "little") + (4).to_bytes(8, "little") + b"\x11" * 32)


def request_document(**over):
    doc = {"right": "access", "state": "received", "channel": "api", "filed_by": "subject",
           "purpose": "", "received_at": 1709553600, "due": "2024-04-04",
           "extended_due": "2024-06-04", "extended": False, "routed_to_organization": "0",
           "fee": None, "fee_reference": "", "code_hash": "", "code_expires_at": 0,
           "code_attempts_left": 0, "exceptions": [],
           "history": [{"state": "received", "at": 1709553600, "actor": "subject", "note": ""}]}
    doc.update(over)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def stored_seeds():
    t = "stored_record_fuzz"
    write(t, request_document())
    write(t, request_document(right="erasure", state="completed", due=None, extended_due=None,
                              exceptions=[{"scope": "invoices", "ground": "legal_obligation",
                                           "law": "HGB 257"}]))
    write(t, request_document(
        right="portability", state="identity_pending", code_hash="ab" * 32,
        code_expires_at=1709557200, code_attempts_left=3, routed_to_organization="12",
        fee={"amount_cents": 1500, "currency": "USD", "jurisdiction": "US-CA"},
        fee_reference="pay_1", extended=True,
        history=[{"state": "received", "at": 1, "actor": "subject", "note": ""},
                 {"state": "identity_pending", "at": 2, "actor": "privet", "note": "code_sent"}]))
    for column in ['[]', '["marketing.email"]', '["a","b.c","d"]', '["a\\"b","\\u00e9"]',
                   '[ "spaced" ]', '["\\n"]']:
        write(t, column)
    write(t, "0123456789abcdef" * 4)
    write(t, "0123456789ABCDEF" * 4)
    write(t, bytes(range(64)))


def id_code_seeds():
    t = "id_code_fuzz"
    for text in ["0", "1", "42", "18446744073709551615", "18446744073709551616", "007",
                 "2024-03-04", "2024-02-29", "2023-02-29", "0999-12-31", "-999-01-01",
                 "6 months", "3 business days", "service", "admin", "staff:support", "staff:nobody",
                 "organization_admin:9", "tenant:7", "tenant:0", "subject", "access",
                 "identity_pending", "undo_opt_out", "cookie_banner", "INVALID_ARGUMENT",
                 "legitimate_interests", "no_consent", "subject_created", "email",
                 "/v1/subjects/1%2F2", "a+b%20c", "%zz", "%"]:
        write(t, text)


def json_body_seeds():
    t = "json_body_fuzz"
    for text in ['{"kind":"customer","purposes":["a","b"]}', '{"value":"x","a":{"b":"c"}}']:
        write(t, text)


if __name__ == "__main__":
    targets = sys.argv[1:] or ["audit_entry_fuzz", "stored_record_fuzz", "id_code_fuzz"]
    for name in targets:
        {"audit_entry_fuzz": audit_seeds, "stored_record_fuzz": stored_seeds,
         "id_code_fuzz": id_code_seeds, "json_body_fuzz": json_body_seeds}[name]()
