// claims/s through claimgate.jar: ClaimGate.validate on one batch, repeated for at least
// SECONDS after a warm-up of the same length (JIT). Run as a single-file program:
//   java -cp claimgate.jar:jna.jar -Dclaimgate.library=... EmbedBench.java FILE CLAIMS SECONDS
import java.nio.file.Files;
import java.nio.file.Paths;
import org.claimgate.ClaimGate;
import org.claimgate.Result;

public class EmbedBench {
  public static void main(String[] args) throws Exception {
    byte[] data = Files.readAllBytes(Paths.get(args[0]));
    long claims = Long.parseLong(args[1]);
    double seconds = Double.parseDouble(args[2]);
    String options = args.length > 3 && args[3].equals("report")
        ? "{\"today\":\"2026-06-01\",\"answers\":false}" : "{\"today\":\"2026-06-01\"}";
    try (ClaimGate gate = new ClaimGate()) {
      double rate = 0;
      for (int pass = 0; pass < 2; pass++) {  // the first pass warms the JIT up
        long batches = 0;
        long t0 = System.nanoTime(), t = t0;
        while ((t - t0) / 1e9 < seconds) {
          Result r = gate.validate(data, options);
          if (r.claims() != claims) throw new IllegalStateException("claims: " + r.claims());
          batches++;
          t = System.nanoTime();
        }
        rate = claims * batches / ((t - t0) / 1e9);
      }
      System.out.printf("java %.0f%n", rate);
    }
  }
}
