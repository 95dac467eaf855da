package org.claimgate;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The C ABI of libclaimgate (claimgate.h) through JNA. size_t is a Java long (64-bit Linux).
 * The library is loaded from the system property {@code claimgate.library} (a path), else by
 * name ("claimgate", searched on {@code jna.library.path}, then the system library path).
 */
final class NativeLib {
  static final int ABI_VERSION = 1;

  interface ClaimCallback extends Callback {
    int invoke(Pointer user, Pointer json, long len, int accepted);
  }

  interface Api extends Library {
    String cg_version();
    int cg_abi_version();
    int cg_engine_new(byte[] configJson, PointerByReference out);
    void cg_engine_free(Pointer engine);
    Pointer cg_engine_last_error(Pointer engine);
    int cg_validate(Pointer engine, byte[] bytes, long len, byte[] optionsJson, PointerByReference out);
    Pointer cg_result_report_json(Pointer result, LongByReference len);
    long cg_result_count(Pointer result, int which);
    int cg_result_usable(Pointer result);
    String cg_result_format(Pointer result);
    Pointer cg_result_ack_999(Pointer result, LongByReference len);
    Pointer cg_result_ack_277ca(Pointer result, LongByReference len);
    Pointer cg_result_ack(Pointer result, LongByReference len);
    long cg_result_forward_count(Pointer result);
    Pointer cg_result_forward_body(Pointer result, long index, LongByReference len);
    Pointer cg_result_forward_payer(Pointer result, long index);
    Pointer cg_result_forward_content_type(Pointer result, long index);
    Pointer cg_result_fhir_answer(Pointer result, LongByReference len);
    int cg_result_http_status(Pointer result);
    void cg_result_free(Pointer result);
    int cg_stream_begin(Pointer engine, byte[] optionsJson, ClaimCallback onClaim, Pointer user,
                        PointerByReference out);
    int cg_stream_feed(Pointer stream, byte[] chunk, long len);
    int cg_stream_finish(Pointer stream, PointerByReference out);
    void cg_stream_free(Pointer stream);
    Pointer cg_stream_last_error(Pointer stream);
    int cg_code_lookup(Pointer engine, byte[] code, byte[] dos, PointerByReference jsonOut, LongByReference len);
    void cg_string_free(Pointer s);
  }

  private static volatile Api api;

  static Api api() {
    Api a = api;
    if (a != null) return a;
    synchronized (NativeLib.class) {
      if (api == null) {
        String path = System.getProperty("claimgate.library");
        String name = path != null && !path.isEmpty() ? path : "claimgate";
        Api loaded;
        try {
          loaded = Native.load(name, Api.class);
        } catch (UnsatisfiedLinkError e) {
          throw new ClaimGateException(5, "cannot load libclaimgate (" + name + "): " + e.getMessage()
              + "; set -Dclaimgate.library=/path/to/libclaimgate.so.1");
        }
        if (loaded.cg_abi_version() != ABI_VERSION) {
          throw new ClaimGateException(5, "libclaimgate " + name + " has ABI " + loaded.cg_abi_version()
              + ", this jar needs " + ABI_VERSION);
        }
        api = loaded;
      }
      return api;
    }
  }

  /** A NUL-terminated UTF-8 copy of s (null stays null). */
  static byte[] cstr(String s) {
    if (s == null) return null;
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.util.Arrays.copyOf(b, b.length + 1);
  }

  static String utf8(Pointer p) {
    return p == null ? "" : p.getString(0, "UTF-8");
  }

  static byte[] bytes(Pointer p, LongByReference len) {
    return p == null || len.getValue() == 0 ? new byte[0] : p.getByteArray(0, (int) len.getValue());
  }

  private NativeLib() {}
}
