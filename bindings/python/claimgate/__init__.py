"""claimgate in Python: the claim check of claimgate in-process, over libclaimgate (ctypes).

    import claimgate
    with claimgate.Engine() as engine:
        result = engine.validate(open("batch.837", "rb").read(), today="2026-06-01")
        for claim in result.claims:
            print(claim.claim_id, claim.verdict, [f.rule for f in claim.findings])
        result.report        # the JSON report of `claimgate validate --format json`, as a dict
        result.ack_999       # the 999 (X12), result.ack_277ca, result.forward (837 per payer)

The native library is found through $CLAIMGATE_LIBRARY (a path), else the dynamic linker
(libclaimgate.so.1 on the library path, e.g. after `cmake --install` into /usr/local and
ldconfig). One Engine may be used from many threads at once; calls release the GIL.
docs/plugins.md is the reference.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import threading
from dataclasses import dataclass, field
from typing import IO, Any, Iterator, List, Optional, Union

__all__ = [
    "ABI_VERSION", "Engine", "Stream", "Result", "ClaimReport", "Finding", "InputError", "Counts",
    "Forward", "ClaimgateError", "ConfigError", "CodeSetError", "ArgumentError", "StateError",
    "library_version",
]

ABI_VERSION = 1  # the CG_ABI_VERSION this package was written for (the SONAME's number)


class ClaimgateError(Exception):
    """A failed libclaimgate call: status is the CG_E_* code, message the library's text."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class ArgumentError(ClaimgateError, ValueError):
    """CG_E_ARGUMENT: bad options (unknown key, bad date ...)."""


class ConfigError(ClaimgateError):
    """CG_E_CONFIG: the engine configuration is invalid (same keys and texts as the server's)."""


class CodeSetError(ClaimgateError):
    """CG_E_CODESET: the ICD-10-CM index cannot be found or loaded."""


class StateError(ClaimgateError):
    """CG_E_STATE: a stream used after finish(), or stopped."""


_ERRORS = {1: ArgumentError, 2: ConfigError, 3: CodeSetError, 4: StateError}


def _error(status: int, message: str) -> ClaimgateError:
    return _ERRORS.get(status, ClaimgateError)(status, message)


# ---- the native library -------------------------------------------------------------------

_CLAIM_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_lib = None
_lib_lock = threading.Lock()


def _load() -> ctypes.CDLL:
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        path = os.environ.get("CLAIMGATE_LIBRARY") or ctypes.util.find_library("claimgate") or "libclaimgate.so.1"
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise ClaimgateError(5, "cannot load libclaimgate (%s): %s; set CLAIMGATE_LIBRARY to its path" % (path, e))
        P, S, I, C = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p
        PP, SP = ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)
        sigs = {
            "cg_version": (C, []), "cg_abi_version": (I, []),
            "cg_engine_new": (I, [C, PP]), "cg_engine_free": (None, [P]), "cg_engine_last_error": (C, [P]),
            "cg_validate": (I, [P, C, S, C, PP]),
            "cg_result_report_json": (P, [P, SP]), "cg_result_count": (S, [P, I]),
            "cg_result_usable": (I, [P]), "cg_result_format": (C, [P]),
            "cg_result_ack_999": (P, [P, SP]), "cg_result_ack_277ca": (P, [P, SP]), "cg_result_ack": (P, [P, SP]),
            "cg_result_forward_count": (S, [P]), "cg_result_forward_body": (P, [P, S, SP]),
            "cg_result_forward_payer": (C, [P, S]), "cg_result_forward_content_type": (C, [P, S]),
            "cg_result_fhir_answer": (P, [P, SP]), "cg_result_http_status": (I, [P]),
            "cg_result_free": (None, [P]),
            "cg_stream_begin": (I, [P, C, _CLAIM_CALLBACK, P, PP]), "cg_stream_feed": (I, [P, C, S]),
            "cg_stream_finish": (I, [P, PP]), "cg_stream_free": (None, [P]), "cg_stream_last_error": (C, [P]),
            "cg_code_lookup": (I, [P, C, C, PP, SP]), "cg_string_free": (None, [P]),
        }
        for name, (res, args) in sigs.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        if lib.cg_abi_version() != ABI_VERSION:
            raise ClaimgateError(5, "libclaimgate at %s has ABI %d, this package needs %d"
                                 % (path, lib.cg_abi_version(), ABI_VERSION))
        _lib = lib
        return lib


def library_version() -> str:
    """The claimgate release of the loaded library ("0.1.0")."""
    return _load().cg_version().decode()


def _bytes(getter, handle, *extra) -> bytes:
    n = ctypes.c_size_t()
    p = getter(handle, *extra, ctypes.byref(n))
    return ctypes.string_at(p, n.value) if p else b""


# ---- typed results ------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One finding of a claim (an element of "findings" in the report)."""
    rule: str
    severity: str
    message: str
    code: str = ""
    location: str = ""    # X12: e.g. "ST 0001 seg 27 HI01-2 (loop 2300)"
    fhirpath: str = ""    # FHIR: e.g. "Claim.diagnosis[1].diagnosisCodeableConcept"
    line: int = 0
    diagnosis: int = 0
    suggestions: List[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: dict) -> "Finding":
        return cls(d.get("rule", ""), d.get("severity", ""), d.get("message", ""), d.get("code", ""),
                   d.get("location", ""), d.get("fhirpath", ""), d.get("line", 0), d.get("diagnosis", 0),
                   list(d.get("suggestions", [])))


@dataclass(frozen=True)
class ClaimReport:
    """One claim of the report with its verdict and findings."""
    claim_id: str
    format: str
    source: str
    verdict: str  # "accepted" | "rejected"
    findings: List[Finding]

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    @classmethod
    def from_json(cls, d: dict) -> "ClaimReport":
        return cls(d.get("claim_id", ""), d.get("format", ""), d.get("source", ""), d.get("verdict", ""),
                   [Finding.from_json(f) for f in d.get("findings", [])])


@dataclass(frozen=True)
class InputError:
    """An input error not tied to one claim (an element of "errors" in the report)."""
    source: str
    rule: str
    severity: str
    message: str
    code: str = ""
    location: str = ""
    fhirpath: str = ""
    byte_offset: Optional[int] = None

    @classmethod
    def from_json(cls, d: dict) -> "InputError":
        return cls(d.get("source", ""), d.get("rule", ""), d.get("severity", ""), d.get("message", ""),
                   d.get("code", ""), d.get("location", ""), d.get("fhirpath", ""), d.get("byte_offset"))


@dataclass(frozen=True)
class Counts:
    claims: int
    accepted: int
    rejected: int
    warnings: int
    input_errors: int


@dataclass(frozen=True)
class Forward:
    """What goes on to a payer: a re-enveloped 837 (X12) or one Claim resource (FHIR)."""
    payer_id: str
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Result:
    """The outcome of Engine.validate (or Stream.finish: answers empty, report without claims)."""
    report_json: str    # byte for byte what `claimgate validate --format json` prints
    counts: Counts
    format: str         # "x12" | "fhir" | "unknown"
    usable: bool        # False: the input is neither X12 nor FHIR that could be read at all
    ack_999: bytes = b""    # TA1 (when the envelope is bad) + 999
    ack_277ca: bytes = b""
    ack: bytes = b""        # both, as `claimgate ack` prints
    forward: List[Forward] = field(default_factory=list)
    fhir_answer: str = ""   # batch-response / OperationOutcome / ClaimResponse
    http_status: int = 0

    @property
    def report(self) -> dict:
        return json.loads(self.report_json)

    @property
    def claims(self) -> List[ClaimReport]:
        return [ClaimReport.from_json(c) for c in self.report["claims"]]

    @property
    def errors(self) -> List[InputError]:
        return [InputError.from_json(e) for e in self.report["errors"]]

    @property
    def accepted(self) -> bool:
        """Every claim accepted and no input error."""
        return self.usable and self.counts.rejected == 0 and self.counts.input_errors == 0


def _result(lib, r, with_answers: bool = True) -> Result:
    counts = Counts(*(lib.cg_result_count(r, i) for i in range(5)))
    kw: dict = {}
    if with_answers:
        kw = dict(
            ack_999=_bytes(lib.cg_result_ack_999, r), ack_277ca=_bytes(lib.cg_result_ack_277ca, r),
            ack=_bytes(lib.cg_result_ack, r),
            forward=[Forward(lib.cg_result_forward_payer(r, i).decode(), lib.cg_result_forward_content_type(r, i).decode(),
                             _bytes(lib.cg_result_forward_body, r, i))
                     for i in range(lib.cg_result_forward_count(r))],
            fhir_answer=_bytes(lib.cg_result_fhir_answer, r).decode(), http_status=lib.cg_result_http_status(r))
    return Result(_bytes(lib.cg_result_report_json, r).decode(), counts, lib.cg_result_format(r).decode(),
                  bool(lib.cg_result_usable(r)), **kw)


def _options(**kw: Any) -> bytes:
    return json.dumps({k: v for k, v in kw.items() if v is not None}).encode()


# ---- engine and stream --------------------------------------------------------------------

class Engine:
    """The code set, rule packs and identity of a configuration (the keys of
    `claimgate serve --config`; None = the bundled defaults). Thread-safe; close() (or `with`)
    frees it once no call is running."""

    def __init__(self, config: Union[dict, str, None] = None):
        self._lib = _load()
        text = config if isinstance(config, str) or config is None else json.dumps(config)
        handle = ctypes.c_void_p()
        status = self._lib.cg_engine_new(None if text is None else text.encode(), ctypes.byref(handle))
        if status != 0:
            raise _error(status, self._lib.cg_engine_last_error(None).decode())
        self._handle = handle

    def _h(self):
        if self._handle is None:
            raise StateError(4, "the engine is closed")
        return self._handle

    def _fail(self, status: int) -> ClaimgateError:
        return _error(status, self._lib.cg_engine_last_error(self._handle).decode())

    def validate(self, data: Union[bytes, str], today: Optional[str] = None, *, sender: Optional[str] = None,
                 source: Optional[str] = None, answers: bool = True, fhir_operation: Optional[str] = None,
                 control_number: Optional[int] = None) -> Result:
        """Validates one input (X12 837 or FHIR, recognized by content). today: "YYYY-MM-DD"
        (default: today); answers=False builds the report only."""
        if isinstance(data, str):
            data = data.encode()
        r = ctypes.c_void_p()
        opts = _options(today=today, sender=sender, source=source, answers=answers, fhir_operation=fhir_operation,
                        control_number=control_number)
        status = self._lib.cg_validate(self._h(), data, len(data), opts, ctypes.byref(r))
        if status != 0:
            raise self._fail(status)
        try:
            return _result(self._lib, r, answers)
        finally:
            self._lib.cg_result_free(r)

    def stream(self, today: Optional[str] = None, *, sender: Optional[str] = None,
               source: Optional[str] = None) -> "Stream":
        """A stream for a large input: feed() chunks, get each claim as soon as it is final."""
        return Stream(self, _options(today=today, sender=sender, source=source))

    def iter_claims(self, file: IO[bytes], today: Optional[str] = None, *, chunk_size: int = 1 << 20,
                    sender: Optional[str] = None, source: Optional[str] = None) -> Iterator[ClaimReport]:
        """The claims of a (large) binary file object, in bounded memory. The summary Result is the
        generator's return value (StopIteration.value)."""
        with self.stream(today, sender=sender, source=source) as s:
            while True:
                chunk = file.read(chunk_size)
                if not chunk:
                    break
                yield from s.feed(chunk)
            result = s.finish()
            yield from s.take()
        return result

    def code(self, code: str, dos: Optional[str] = None) -> dict:
        """`claimgate code CODE --dos DOS --format json` as a dict (dos default: today, UTC)."""
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        status = self._lib.cg_code_lookup(self._h(), code.encode(), None if dos is None else dos.encode(),
                                          ctypes.byref(out), ctypes.byref(n))
        if status != 0:
            raise self._fail(status)
        try:
            return json.loads(ctypes.string_at(out, n.value))
        finally:
            self._lib.cg_string_free(out)

    def close(self) -> None:
        if self._handle is not None:
            self._lib.cg_engine_free(self._handle)
            self._handle = None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Stream:
    """cg_stream_*: feed(chunk) returns the claims whose verdict became final; finish() returns
    the summary Result (counts of the whole input; its report lists no claims). One thread at a
    time."""

    def __init__(self, engine: Engine, options: bytes):
        self._lib = engine._lib
        self._engine = engine  # keeps the engine alive while the stream is
        self._ready: List[ClaimReport] = []
        self._error: Optional[BaseException] = None

        def on_claim(_user, ptr, n, _accepted):
            try:
                self._ready.append(ClaimReport.from_json(json.loads(ctypes.string_at(ptr, n))))
                return 0
            except BaseException as e:  # never let an exception cross the C boundary
                self._error = e
                return 1

        self._callback = _CLAIM_CALLBACK(on_claim)
        handle = ctypes.c_void_p()
        status = self._lib.cg_stream_begin(engine._h(), options, self._callback, None, ctypes.byref(handle))
        if status != 0:
            raise engine._fail(status)
        self._handle = handle

    def _check(self, status: int) -> None:
        if self._error is not None:
            e, self._error = self._error, None
            raise e
        if status != 0:
            raise _error(status, self._lib.cg_stream_last_error(self._handle).decode())

    def take(self) -> List[ClaimReport]:
        ready, self._ready = self._ready, []
        return ready

    def feed(self, chunk: Union[bytes, str]) -> List[ClaimReport]:
        if self._handle is None:
            raise StateError(4, "the stream is closed")
        if isinstance(chunk, str):
            chunk = chunk.encode()
        self._check(self._lib.cg_stream_feed(self._handle, chunk, len(chunk)))
        return self.take()

    def finish(self) -> Result:
        """Ends the input; claims completed by the end are left for take()."""
        if self._handle is None:
            raise StateError(4, "the stream is closed")
        r = ctypes.c_void_p()
        self._check(self._lib.cg_stream_finish(self._handle, ctypes.byref(r)))
        try:
            return _result(self._lib, r, with_answers=False)
        finally:
            self._lib.cg_result_free(r)

    def close(self) -> None:
        if self._handle is not None:
            self._lib.cg_stream_free(self._handle)
            self._handle = None

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
