/* claims/s through the C ABI: cg_validate on one batch, repeated for at least SECONDS.
 * usage: bench_embed FILE CLAIMS_PER_BATCH SECONDS [report]   ("report": answers=false)
 * Prints "c-abi <claims/s>". The engine is created once (as an interface engine does). */
#define _POSIX_C_SOURCE 200809L
#include <claimgate.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_embed FILE CLAIMS_PER_BATCH SECONDS [report]\n");
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  const long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc((size_t)len);
  if (fread(data, 1, (size_t)len, f) != (size_t)len) return 2;
  fclose(f);
  const double claims = atof(argv[2]), seconds = atof(argv[3]);
  const char* options = argc > 4 && strcmp(argv[4], "report") == 0 ? "{\"today\":\"2026-06-01\",\"answers\":false}"
                                                                     : "{\"today\":\"2026-06-01\"}";
  cg_engine* e = NULL;
  if (cg_engine_new(NULL, &e) != CG_OK) {
    fprintf(stderr, "%s\n", cg_engine_last_error(NULL));
    return 2;
  }
  long batches = 0;
  const double t0 = now();
  double t = t0;
  while (t - t0 < seconds) {
    cg_result* r = NULL;
    if (cg_validate(e, data, (size_t)len, options, &r) != CG_OK || cg_result_count(r, CG_COUNT_CLAIMS) != (size_t)claims) {
      fprintf(stderr, "unexpected result: %s\n", cg_engine_last_error(e));
      return 1;
    }
    cg_result_free(r);
    ++batches;
    t = now();
  }
  printf("c-abi %.0f\n", claims * (double)batches / (t - t0));
  cg_engine_free(e);
  free(data);
  return 0;
}
