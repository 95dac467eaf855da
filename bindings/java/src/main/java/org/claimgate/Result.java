package org.claimgate;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outcome of {@link ClaimGate#validate}: copied out of the native result, so it is an
 * ordinary immutable Java object (no close needed).
 */
public final class Result {
  /** What goes on to a payer: a re-enveloped 837 (X12) or one Claim resource (FHIR). */
  public static final class Forward {
    private final String payerId;
    private final String contentType;
    private final byte[] body;

    Forward(String payerId, String contentType, byte[] body) {
      this.payerId = payerId;
      this.contentType = contentType;
      this.body = body;
    }

    /** The payer id of the claims ("" when none was given). */
    public String payerId() { return payerId; }
    public String contentType() { return contentType; }
    public byte[] body() { return body.clone(); }
    public String bodyString() { return new String(body, StandardCharsets.UTF_8); }
  }

  private final String reportJson;
  private final long[] counts;
  private final String format;
  private final boolean usable;
  private final byte[] ack999;
  private final byte[] ack277ca;
  private final byte[] ack;
  private final List<Forward> forwards;
  private final String fhirAnswer;
  private final int httpStatus;

  Result(NativeLib.Api lib, Pointer r) {
    LongByReference n = new LongByReference();
    reportJson = new String(NativeLib.bytes(lib.cg_result_report_json(r, n), n), StandardCharsets.UTF_8);
    counts = new long[5];
    for (int i = 0; i < 5; i++) counts[i] = lib.cg_result_count(r, i);
    format = lib.cg_result_format(r);
    usable = lib.cg_result_usable(r) != 0;
    ack999 = NativeLib.bytes(lib.cg_result_ack_999(r, n), n);
    ack277ca = NativeLib.bytes(lib.cg_result_ack_277ca(r, n), n);
    ack = NativeLib.bytes(lib.cg_result_ack(r, n), n);
    List<Forward> f = new ArrayList<>();
    long count = lib.cg_result_forward_count(r);
    for (long i = 0; i < count; i++) {
      byte[] body = NativeLib.bytes(lib.cg_result_forward_body(r, i, n), n);
      f.add(new Forward(NativeLib.utf8(lib.cg_result_forward_payer(r, i)),
                        NativeLib.utf8(lib.cg_result_forward_content_type(r, i)), body));
    }
    forwards = Collections.unmodifiableList(f);
    fhirAnswer = new String(NativeLib.bytes(lib.cg_result_fhir_answer(r, n), n), StandardCharsets.UTF_8);
    httpStatus = lib.cg_result_http_status(r);
  }

  /** The JSON report, byte for byte what {@code claimgate validate --format json} prints. */
  public String reportJson() { return reportJson; }
  public long claims() { return counts[0]; }
  public long accepted() { return counts[1]; }
  public long rejected() { return counts[2]; }
  public long warnings() { return counts[3]; }
  /** Input errors not tied to one claim (envelope, syntax outside a claim ...). */
  public long inputErrors() { return counts[4]; }
  /** Every claim accepted and no input error. */
  public boolean allAccepted() { return usable && counts[2] == 0 && counts[4] == 0; }
  /** "x12", "fhir" or "unknown". */
  public String format() { return format; }
  /** False when the input is neither X12 nor FHIR that could be read at all. */
  public boolean usable() { return usable; }
  /** The 999 interchange (with a TA1 first when an interchange envelope is bad). */
  public String ack999() { return new String(ack999, StandardCharsets.UTF_8); }
  /** The 277CA interchange ("" when no transaction set was accepted). */
  public String ack277ca() { return new String(ack277ca, StandardCharsets.UTF_8); }
  /** Both, as {@code claimgate ack} prints them: what the sender gets back. */
  public String ack() { return new String(ack, StandardCharsets.UTF_8); }
  /** One re-enveloped 837 per payer (X12) or one Claim per accepted claim (FHIR). */
  public List<Forward> forwards() { return forwards; }
  /** The FHIR answer (batch-response, OperationOutcome or ClaimResponse); "" for X12. */
  public String fhirAnswer() { return fhirAnswer; }
  /** The HTTP status the server would answer a FHIR request with; 0 for X12. */
  public int httpStatus() { return httpStatus; }
}
