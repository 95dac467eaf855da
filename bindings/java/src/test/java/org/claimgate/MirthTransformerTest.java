package org.claimgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.ImporterTopLevel;
import org.mozilla.javascript.NativeJavaClass;
import org.mozilla.javascript.RhinoException;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.ScriptableObject;

/**
 * The shipped Mirth/OIE transformer (-Dclaimgate.transformer, the installed copy) run on Rhino
 * the way a channel runs a source transformer: the steps wrapped in doTransform() inside an
 * ImporterTopLevel scope that holds msg (the inbound 837 as a string), the variable maps
 * (globalMap, configurationMap, channelMap, sourceMap, responseMap), destinationSet,
 * ResponseFactory, logger and channelId. The stand-ins below have the members of Mirth's own
 * classes that the script uses.
 */
class MirthTransformerTest {
  /** Mirth's DestinationSet: which destinations the message goes on to. */
  public static final class DestinationSet {
    public final List<String> kept = new ArrayList<>(List.of("To payer", "Archive"));

    public void removeAll() {
      kept.clear();
    }

    public boolean removeAllExcept(Object names) {
      List<String> keep = new ArrayList<>();
      for (Object o : (List<?>) names) keep.add(String.valueOf(o));
      kept.retainAll(keep);
      return true;
    }
  }

  /** Mirth's Response (status + message) as ResponseFactory makes it. */
  public static final class Response {
    public final String status;
    public final String message;

    Response(String status, String message) {
      this.status = status;
      this.message = message;
    }
  }

  public static final class ResponseFactory {
    public static Response getSentResponse(String message) {
      return new Response("SENT", message);
    }
  }

  public static final class Logger {
    public final List<String> lines = new ArrayList<>();

    public void info(Object m) { lines.add("INFO " + m); }
    public void warn(Object m) { lines.add("WARN " + m); }
    public void error(Object m) { lines.add("ERROR " + m); }
  }

  final Map<String, Object> globalMap = new HashMap<>();
  final Map<String, Object> configurationMap = new HashMap<>();
  Map<String, Object> channelMap;
  Map<String, Object> responseMap;
  DestinationSet destinations;
  Logger logger;

  @AfterEach
  void closeGate() {
    Object gate = globalMap.get("claimgate");
    if (gate != null) ((ClaimGate) gate).close();
  }

  void runChannel(String inboundFile) throws Exception {
    String script = Files.readString(Paths.get(System.getProperty("claimgate.transformer")));
    String msg = Files.readString(Paths.get(System.getProperty("claimgate.source"), inboundFile), StandardCharsets.UTF_8);
    channelMap = new HashMap<>();
    responseMap = new HashMap<>();
    destinations = new DestinationSet();
    logger = new Logger();
    Context cx = Context.enter();
    try {
      ImporterTopLevel scope = new ImporterTopLevel(cx);
      Map<String, Object> vars = new HashMap<>();
      vars.put("msg", msg);
      vars.put("channelId", "3f2b6c1e-claimgate-test");
      vars.put("globalMap", globalMap);
      vars.put("configurationMap", configurationMap);
      vars.put("channelMap", channelMap);
      vars.put("sourceMap", new HashMap<String, Object>());
      vars.put("responseMap", responseMap);
      vars.put("destinationSet", destinations);
      vars.put("logger", logger);
      for (Map.Entry<String, Object> v : vars.entrySet())
        ScriptableObject.putProperty(scope, v.getKey(), Context.javaToJS(v.getValue(), scope));
      ScriptableObject.putProperty(scope, "ResponseFactory", new NativeJavaClass(scope, ResponseFactory.class));
      cx.evaluateString(scope, "function doTransform() {\n" + script + "\n}\ndoTransform();", "transformer", 0, null);
    } finally {
      Context.exit();
    }
  }

  @Test
  void acceptedClaimGoesToThePayerAndTheSenderGetsThe999And277ca() throws Exception {
    runChannel("conformance/cases/837p/clean-office-visit/input.x12");
    assertEquals(List.of("To payer"), destinations.kept);
    String accepted = (String) channelMap.get("accepted837");
    assertTrue(accepted.startsWith("ISA*") && accepted.contains("~CLM*"), accepted);
    Response ack = (Response) responseMap.get("claimgate_ack");
    assertEquals("SENT", ack.status);
    assertTrue(ack.message.contains("ST*999*") && ack.message.contains("AK9*A*1*1*1~"), ack.message);
    assertTrue(ack.message.contains("ST*277*"), ack.message);
    assertTrue(logger.lines.isEmpty(), logger.lines.toString());
    Object gate = globalMap.get("claimgate");
    assertTrue(gate instanceof ClaimGate);

    // The next message reuses the one ClaimGate of the server.
    runChannel("conformance/cases/837p/clean-office-visit/input.x12");
    assertSame(gate, globalMap.get("claimgate"));
  }

  @Test
  void rejectedClaimGoesNowhereAndTheSenderLearnsWhy() throws Exception {
    runChannel("conformance/cases/837p/deleted-h8141/input.x12");
    assertTrue(destinations.kept.isEmpty());
    assertEquals("", channelMap.get("accepted837"));
    Response ack = (Response) responseMap.get("claimgate_ack");
    assertTrue(ack.message.contains("ST*999*"), ack.message);
    assertTrue(ack.message.contains("STC*A7:"), ack.message);  // the 277CA rejects the claim
    assertTrue(String.valueOf(channelMap.get("claimgate_report")).contains("\"verdict\":\"rejected\""));
    assertEquals(1, logger.lines.size());
    assertTrue(logger.lines.get(0).startsWith("WARN claimgate: 1 of 1 claims rejected"), logger.lines.get(0));
    assertFalse(logger.lines.get(0).contains("H81.41"));  // no PHI-adjacent detail in the log line
  }

  @Test
  void badConfigurationFailsTheMessageWithTheKey() {
    configurationMap.put("claimgate.config", "{\"rules\":{\"default\":[\"no-such-pack\"]}}");
    RhinoException e = assertThrows(RhinoException.class,
        () -> runChannel("conformance/cases/837p/clean-office-visit/input.x12"));
    assertTrue(e.getMessage().contains("rules.default"), e.getMessage());
  }
}
