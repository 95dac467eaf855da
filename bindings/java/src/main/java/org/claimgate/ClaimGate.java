package org.claimgate;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;

/**
 * claimgate in a JVM (Mirth Connect / Open Integration Engine, Rhapsody, any Java service) over
 * libclaimgate through JNA. One ClaimGate holds the code set, the rule packs and the identity of
 * a configuration (the keys of {@code claimgate serve --config}); it is thread-safe: share one
 * per process (e.g. in Mirth's globalMap) and call {@link #validate} from every channel thread.
 * Close it once no call is running.
 *
 * <p>The native library: system property {@code claimgate.library} (a path to
 * libclaimgate.so.1), else "claimgate" on {@code jna.library.path} or the system library path.
 */
public final class ClaimGate implements AutoCloseable {
  private final NativeLib.Api lib;
  private Pointer engine;

  /** The bundled code set and packs with the default identity. */
  public ClaimGate() {
    this(null);
  }

  /** @param configJson the configuration document (server keys; null or "{}" for the defaults) */
  public ClaimGate(String configJson) {
    lib = NativeLib.api();
    PointerByReference out = new PointerByReference();
    int status = lib.cg_engine_new(NativeLib.cstr(configJson), out);
    if (status != 0) throw new ClaimGateException(status, NativeLib.utf8(lib.cg_engine_last_error(null)));
    engine = out.getValue();
  }

  /** The claimgate release of the loaded library. */
  public static String version() {
    return NativeLib.api().cg_version();
  }

  private synchronized Pointer handle() {
    if (engine == null) throw new ClaimGateException(4, "the ClaimGate is closed");
    return engine;
  }

  private ClaimGateException failure(int status) {
    return new ClaimGateException(status, NativeLib.utf8(lib.cg_engine_last_error(engine)));
  }

  /** Validates one input (X12 837 or FHIR, recognized by content) with today's date. */
  public Result validate(byte[] data) {
    return validate(data, null);
  }

  /**
   * @param optionsJson the options of cg_validate, e.g. {@code {"today":"2026-06-01","sender":"S1"}}
   *     ("today", "sender", "source", "answers", "fhir_operation", "control_number"); null for none
   */
  public Result validate(byte[] data, String optionsJson) {
    Pointer e = handle();
    PointerByReference out = new PointerByReference();
    int status = lib.cg_validate(e, data, data.length, NativeLib.cstr(optionsJson), out);
    if (status != 0) throw failure(status);
    Pointer r = out.getValue();
    try {
      return new Result(lib, r);
    } finally {
      lib.cg_result_free(r);
    }
  }

  /** {@code claimgate code CODE --dos DOS --format json} (dos null: today, UTC). */
  public String code(String code, String dos) {
    Pointer e = handle();
    PointerByReference out = new PointerByReference();
    LongByReference n = new LongByReference();
    int status = lib.cg_code_lookup(e, NativeLib.cstr(code), NativeLib.cstr(dos), out, n);
    if (status != 0) throw failure(status);
    Pointer s = out.getValue();
    try {
      return new String(NativeLib.bytes(s, n), StandardCharsets.UTF_8);
    } finally {
      lib.cg_string_free(s);
    }
  }

  /** Receives each claim's report entry (JSON) as soon as its verdict is final. */
  @FunctionalInterface
  public interface ClaimListener {
    /** @return false to stop the stream */
    boolean onClaim(String claimJson, boolean accepted);
  }

  /**
   * A stream for a large input in bounded memory: {@link Stream#feed} chunks, claims go to the
   * listener; {@link Stream#finish} returns the summary (its report lists no claims).
   */
  public Stream stream(String optionsJson, ClaimListener listener) {
    return new Stream(this, optionsJson, listener);
  }

  /** cg_stream_*; one thread at a time. */
  public static final class Stream implements AutoCloseable {
    private final NativeLib.Api lib;
    private final NativeLib.ClaimCallback callback;  // referenced for as long as the stream lives
    private RuntimeException listenerError;
    private Pointer stream;

    Stream(ClaimGate gate, String optionsJson, ClaimListener listener) {
      lib = gate.lib;
      callback = (user, json, len, accepted) -> {
        try {
          String s = new String(json.getByteArray(0, (int) len), StandardCharsets.UTF_8);
          return listener.onClaim(s, accepted != 0) ? 0 : 1;
        } catch (RuntimeException ex) {
          listenerError = ex;
          return 1;
        }
      };
      PointerByReference out = new PointerByReference();
      int status = lib.cg_stream_begin(gate.handle(), NativeLib.cstr(optionsJson), callback, null, out);
      if (status != 0) throw gate.failure(status);
      stream = out.getValue();
    }

    private void check(int status) {
      if (listenerError != null) {
        RuntimeException e = listenerError;
        listenerError = null;
        throw e;
      }
      if (status != 0) throw new ClaimGateException(status, NativeLib.utf8(lib.cg_stream_last_error(stream)));
    }

    public void feed(byte[] chunk, int length) {
      if (stream == null) throw new ClaimGateException(4, "the stream is closed");
      byte[] b = length == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, length);
      check(lib.cg_stream_feed(stream, b, length));
    }

    public Result finish() {
      if (stream == null) throw new ClaimGateException(4, "the stream is closed");
      PointerByReference out = new PointerByReference();
      check(lib.cg_stream_finish(stream, out));
      Pointer r = out.getValue();
      try {
        return new Result(lib, r);
      } finally {
        lib.cg_result_free(r);
      }
    }

    @Override
    public void close() {
      if (stream != null) {
        lib.cg_stream_free(stream);
        stream = null;
      }
    }
  }

  @Override
  public synchronized void close() {
    if (engine != null) {
      lib.cg_engine_free(engine);
      engine = null;
    }
  }
}
