"""The claimgate package against the installed libclaimgate ($CLAIMGATE_LIBRARY), on the
repository's examples ($CLAIMGATE_SOURCE); reports compared with the installed CLI's output
($CLAIMGATE_CLI)."""
import io
import json
import os
import subprocess
import threading

import pytest

import claimgate

SRC = os.environ["CLAIMGATE_SOURCE"]
CLI = os.environ["CLAIMGATE_CLI"]
TODAY = "2026-06-01"
CLEAN = os.path.join(SRC, "conformance/cases/837p/clean-office-visit/input.x12")
DELETED = os.path.join(SRC, "conformance/cases/837p/deleted-h8141/input.x12")
FHIR = os.path.join(SRC, "conformance/fhir/corpus/claim/hl7r4ex__Claim-100150.json")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cli(*args):
    return subprocess.run([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False).stdout


@pytest.fixture(scope="module")
def engine():
    with claimgate.Engine() as e:
        yield e


def test_package_is_the_installed_one():
    assert not claimgate.__file__.startswith(os.path.join(SRC, "bindings"))
    assert claimgate.library_version() == "0.1.0"


@pytest.mark.parametrize("path", [CLEAN, DELETED, FHIR])
def test_report_is_the_cli_report_byte_for_byte(engine, path):
    result = engine.validate(read(path), TODAY, source=path)
    assert result.report_json.encode() == cli("validate", "--format", "json", "--today", TODAY, path)
    assert result.report == json.loads(result.report_json)


def test_clean_claim_typed_result(engine):
    r = engine.validate(read(CLEAN), TODAY)
    assert isinstance(r, claimgate.Result)
    assert r.format == "x12" and r.usable and r.accepted
    assert r.counts == claimgate.Counts(claims=1, accepted=1, rejected=0, warnings=r.counts.warnings, input_errors=0)
    [claim] = r.claims
    assert isinstance(claim, claimgate.ClaimReport) and claim.accepted and claim.verdict == "accepted"
    assert b"AK9*A*1*1*1~" in r.ack_999 and b"ST*277*" in r.ack_277ca and r.ack == r.ack_999 + r.ack_277ca
    [fwd] = r.forward
    assert fwd.content_type == "application/edi-x12" and fwd.body.startswith(b"ISA*")


def test_deleted_code_is_rejected_with_the_finding(engine):
    r = engine.validate(read(DELETED), TODAY)
    assert not r.accepted and r.counts.rejected == 1 and r.forward == []
    [claim] = r.claims
    assert claim.verdict == "rejected"
    assert all(isinstance(f, claimgate.Finding) for f in claim.findings)
    assert any(f.severity == "reject" and f.code for f in claim.findings)


def test_fhir_operations(engine):
    data = read(FHIR)
    r = engine.validate(data, TODAY, fhir_operation="validate")
    assert r.format == "fhir" and r.http_status == 200 and '"OperationOutcome"' in r.fhir_answer
    batch = engine.validate(data, TODAY)
    assert '"batch-response"' in batch.fhir_answer
    assert engine.validate(data, TODAY, answers=False).fhir_answer == ""


def test_unusable_input_is_reported_not_raised(engine):
    r = engine.validate(b"hello", TODAY)
    assert not r.usable and r.format == "unknown"
    [err] = r.errors
    assert err.rule == "input.unrecognized"


def test_errors_carry_status_and_text(engine):
    with pytest.raises(claimgate.ConfigError, match="nope") as e:
        claimgate.Engine({"nope": 1})
    assert e.value.status == 2
    with pytest.raises(claimgate.ConfigError, match="rules.default"):
        claimgate.Engine({"rules": {"default": ["no-such-pack"]}})
    with pytest.raises(claimgate.CodeSetError, match="code_set"):
        claimgate.Engine({"code_set": "/nonexistent/icd10cm.cgx"})
    with pytest.raises(claimgate.ArgumentError, match="options.today"):
        engine.validate(b"", "2026-02-30")
    with pytest.raises(ValueError):  # ArgumentError is a ValueError too
        engine.validate(b"", fhir_operation="delete")
    e2 = claimgate.Engine()
    e2.close()
    with pytest.raises(claimgate.StateError):
        e2.validate(b"")


def test_code_lookup_is_the_cli_json(engine):
    assert engine.code("E11.9", "2025-01-01") == json.loads(cli("code", "E11.9", "--dos", "2025-01-01", "--format", "json"))
    assert engine.code("ZZZ99", "2025-01-01")["status"] == "unknown"
    with pytest.raises(claimgate.ArgumentError):
        engine.code("E11.9", "01/01/2025")


def test_stream_in_chunks_matches_validate(engine):
    data = read(CLEAN) + b"\n"
    whole = engine.validate(data, TODAY, answers=False)
    claims = []
    with engine.stream(TODAY) as s:
        for i in range(0, len(data), 64):
            claims += s.feed(data[i:i + 64])
        summary = s.finish()
        claims += s.take()
    assert [c.claim_id for c in claims] == [c.claim_id for c in whole.claims]
    assert summary.counts == whole.counts and summary.report["claims"] == []
    got = list(engine.iter_claims(io.BytesIO(data), TODAY, chunk_size=100))
    assert got == whole.claims


def test_stream_callback_error_surfaces(engine):
    s = engine.stream(TODAY)
    assert s.feed(read(CLEAN)) == []  # final once the input ends (its transaction set may get an error)
    s._ready = None  # the claim cannot be stored: the error must reach the caller
    with pytest.raises(AttributeError):
        s.finish()
    with pytest.raises(claimgate.StateError):
        s.finish()
    s.close()


def test_one_engine_many_threads(engine):
    inputs = [read(CLEAN), read(DELETED), read(FHIR)]
    expected = [engine.validate(d, TODAY).report_json for d in inputs]
    failures = []

    def work(k):
        for i in range(15):
            j = (i + k) % 3
            if engine.validate(inputs[j], TODAY).report_json != expected[j]:
                failures.append((k, i))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
