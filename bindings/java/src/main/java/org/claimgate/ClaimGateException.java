package org.claimgate;

/**
 * A failed libclaimgate call: {@link #status()} is the CG_E_* code of claimgate.h (1 argument,
 * 2 configuration, 3 code set, 4 state, 5 internal or library not loadable), the message the
 * library's text (for a configuration the same as the server's, naming the key).
 */
public class ClaimGateException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public ClaimGateException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
