package org.claimgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jar against the installed libclaimgate (-Dclaimgate.library), on the repository's
 * examples (-Dclaimgate.source = the source tree); reports compared with the CLI's output
 * (-Dclaimgate.cli = the installed claimgate executable).
 */
class ClaimGateTest {
  static final String TODAY = "{\"today\":\"2026-06-01\"}";
  static ClaimGate gate;

  static Path source(String rel) {
    return Paths.get(System.getProperty("claimgate.source"), rel);
  }

  static byte[] read(String rel) throws Exception {
    return Files.readAllBytes(source(rel));
  }

  static String cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("claimgate.cli"));
    for (String a : args) cmd.add(a);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  @BeforeAll
  static void open() {
    gate = new ClaimGate();
  }

  @AfterAll
  static void close() {
    gate.close();
  }

  @Test
  void reportIsTheCliReportByteForByte() throws Exception {
    String[] inputs = {
      "conformance/cases/837p/clean-office-visit/input.x12",
      "conformance/cases/837p/deleted-h8141/input.x12",
      "conformance/fhir/corpus/claim/hl7r4ex__Claim-100150.json",
    };
    for (String in : inputs) {
      String path = source(in).toString();
      Result r = gate.validate(read(in), "{\"today\":\"2026-06-01\",\"source\":\"" + path + "\"}");
      assertEquals(cli("validate", "--format", "json", "--today", "2026-06-01", path), r.reportJson(), in);
    }
  }

  @Test
  void cleanClaimIsAcceptedWithAnswersAndAForward() throws Exception {
    Result r = gate.validate(read("conformance/cases/837p/clean-office-visit/input.x12"), TODAY);
    assertEquals("x12", r.format());
    assertTrue(r.usable());
    assertEquals(1, r.claims());
    assertEquals(1, r.accepted());
    assertTrue(r.allAccepted());
    assertTrue(r.ack999().contains("AK9*A*1*1*1~"), r.ack999());
    assertTrue(r.ack277ca().contains("ST*277*"));
    assertEquals(r.ack999() + r.ack277ca(), r.ack());
    assertEquals(1, r.forwards().size());
    assertEquals("application/edi-x12", r.forwards().get(0).contentType());
    assertTrue(r.forwards().get(0).bodyString().startsWith("ISA*"));
  }

  @Test
  void deletedCodeIsRejected() throws Exception {
    Result r = gate.validate(read("conformance/cases/837p/deleted-h8141/input.x12"), TODAY);
    assertEquals(1, r.rejected());
    assertFalse(r.allAccepted());
    assertTrue(r.reportJson().contains("\"verdict\":\"rejected\""));
    assertEquals(0, r.forwards().size());
  }

  @Test
  void fhirBatchAnswer() throws Exception {
    Result r = gate.validate(read("conformance/fhir/corpus/claim/hl7r4ex__Claim-100150.json"),
        "{\"today\":\"2026-06-01\",\"fhir_operation\":\"validate\"}");
    assertEquals("fhir", r.format());
    assertEquals(200, r.httpStatus());
    assertTrue(r.fhirAnswer().contains("\"OperationOutcome\""));
  }

  @Test
  void errorsCarryStatusAndText() {
    ClaimGateException e = assertThrows(ClaimGateException.class, () -> new ClaimGate("{\"nope\":1}"));
    assertEquals(2, e.status());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    e = assertThrows(ClaimGateException.class, () -> gate.validate(new byte[0], "{\"today\":\"tomorrow\"}"));
    assertEquals(1, e.status());
    assertTrue(e.getMessage().contains("options.today"), e.getMessage());
    Result r = gate.validate("not a claim".getBytes(StandardCharsets.UTF_8));
    assertFalse(r.usable());
    assertEquals(1, r.inputErrors());
    ClaimGate closed = new ClaimGate();
    closed.close();
    assertThrows(ClaimGateException.class, () -> closed.validate(new byte[0]));
  }

  @Test
  void codeLookupIsTheCliJson() throws Exception {
    assertEquals(cli("code", "E11.9", "--dos", "2025-01-01", "--format", "json"), gate.code("E11.9", "2025-01-01"));
    ClaimGateException e = assertThrows(ClaimGateException.class, () -> gate.code("E11.9", "01/01/2025"));
    assertEquals(1, e.status());
  }

  @Test
  void streamHandsOverEveryClaim() throws Exception {
    byte[] data = read("conformance/cases/837p/clean-office-visit/input.x12");
    List<String> claims = new ArrayList<>();
    Result summary;
    try (ClaimGate.Stream s = gate.stream(TODAY, (json, accepted) -> claims.add(json))) {
      for (int off = 0; off < data.length; off += 100) {
        byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + 100));
        s.feed(chunk, chunk.length);
      }
      summary = s.finish();
    }
    assertEquals(1, claims.size());
    assertEquals(1, summary.claims());
    assertTrue(summary.reportJson().startsWith("{\"claims\":[]"));
    assertEquals(gate.validate(data, TODAY).reportJson(),
        "{\"claims\":[" + String.join(",", claims) + summary.reportJson().substring("{\"claims\":[".length()));
  }

  @Test
  void oneGateManyThreads() throws Exception {
    byte[] clean = read("conformance/cases/837p/clean-office-visit/input.x12");
    byte[] bad = read("conformance/cases/837p/deleted-h8141/input.x12");
    String cleanReport = gate.validate(clean, TODAY).reportJson();
    String badReport = gate.validate(bad, TODAY).reportJson();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final boolean even = t % 2 == 0;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            String got = gate.validate(even ? clean : bad, TODAY).reportJson();
            if (!got.equals(even ? cleanReport : badReport)) return false;
          }
          return true;
        }));
      }
      for (Future<Boolean> f : results) assertTrue(f.get());
    } finally {
      pool.shutdown();
    }
  }
}
