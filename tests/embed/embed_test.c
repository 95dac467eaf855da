/* The C ABI of libclaimgate exercised from C, built against the installed tree (pkg-config or
 * find_package) by tests/embed/installed_test.sh, and in the sanitizer trees:
 *   embed_test compare TODAY DIR FILE...           per FILE, the JSON report of cg_validate
 *                                                  (with and without answers) and the one
 *                                                  rebuilt from cg_stream_*, written into DIR
 *   embed_test threads N ROUNDS FILE...            N threads on one engine; results checked
 *                                                  against the single-threaded ones
 *   embed_test api X12FILE FHIRFILE                every function and every error path
 * Exit 0 when every check passed; a failed check prints where and exits 1. */
#define _POSIX_C_SOURCE 200809L
#include <claimgate.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

static char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    exit(2);
  }
  size_t cap = 1 << 16, n = 0;
  char* buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

static cg_engine* engine_or_die(const char* config) {
  cg_engine* e = NULL;
  if (cg_engine_new(config, &e) != CG_OK) {
    fprintf(stderr, "cg_engine_new: %s\n", cg_engine_last_error(NULL));
    exit(2);
  }
  return e;
}

static char* options(const char* source, const char* today, int answers) {
  char* o = malloc(strlen(source) + strlen(today) + 96);
  sprintf(o, "{\"source\":\"%s\",\"today\":\"%s\",\"answers\":%s}", source, today, answers ? "true" : "false");
  return o;
}

static int write_report(cg_engine* e, const char* file, const char* source, const char* today, int answers,
                        FILE* out) {
  size_t len;
  char* data = slurp(file, &len);
  char* opts = options(source, today, answers);
  cg_result* r = NULL;
  int st = cg_validate(e, data, len, opts, &r);
  free(opts);
  free(data);
  if (st != CG_OK) {
    fprintf(stderr, "cg_validate: %d %s\n", st, cg_engine_last_error(e));
    return 2;
  }
  size_t n;
  const char* json = cg_result_report_json(r, &n);
  fwrite(json, 1, n, out);
  cg_result_free(r);
  return 0;
}

struct Collected {
  char* text;
  size_t len, cap, claims, accepted;
  int stop_after; /* 0: never */
};

static void append(struct Collected* c, const char* s, size_t n) {
  if (c->len + n + 1 > c->cap) {
    while (c->len + n + 1 > c->cap) c->cap = c->cap ? c->cap * 2 : 4096;
    c->text = realloc(c->text, c->cap);
  }
  memcpy(c->text + c->len, s, n);
  c->len += n;
  c->text[c->len] = '\0';
}

static int on_claim(void* user, const char* json, size_t len, int accepted) {
  struct Collected* c = user;
  if (c->claims > 0) append(c, ",", 1);
  append(c, json, len);
  ++c->claims;
  c->accepted += accepted ? 1 : 0;
  return c->stop_after > 0 && (int)c->claims >= c->stop_after;
}

static int write_stream(cg_engine* e, const char* file, const char* source, const char* today, size_t chunk,
                        FILE* out) {
  size_t len;
  char* data = slurp(file, &len);
  char* opts = options(source, today, 0);
  /* "answers" does not apply to a stream: rebuild the options without it. */
  char* cut = strstr(opts, ",\"answers\"");
  cut[0] = '}';
  cut[1] = '\0';
  struct Collected c = {0};
  append(&c, "{\"claims\":[", 11);
  c.claims = 0;
  cg_stream* s = NULL;
  if (cg_stream_begin(e, opts, on_claim, &c, &s) != CG_OK) {
    fprintf(stderr, "cg_stream_begin: %s\n", cg_engine_last_error(e));
    return 2;
  }
  for (size_t off = 0; off < len; off += chunk) {
    const size_t n = len - off < chunk ? len - off : chunk;
    if (cg_stream_feed(s, data + off, n) != CG_OK) {
      fprintf(stderr, "cg_stream_feed: %s\n", cg_stream_last_error(s));
      return 2;
    }
  }
  cg_result* r = NULL;
  if (cg_stream_finish(s, &r) != CG_OK) {
    fprintf(stderr, "cg_stream_finish: %s\n", cg_stream_last_error(s));
    return 2;
  }
  size_t n;
  const char* json = cg_result_report_json(r, &n);
  /* The final report has an empty claims array: {"claims":[],"errors":... */
  CHECK(n > 12 && memcmp(json, "{\"claims\":[]", 12) == 0);
  CHECK(cg_result_count(r, CG_COUNT_CLAIMS) == c.claims);
  CHECK(cg_result_count(r, CG_COUNT_ACCEPTED) == c.accepted);
  fwrite(c.text, 1, c.len, out);
  fwrite(json + 11, 1, n - 11, out);
  cg_result_free(r);
  cg_stream_free(s);
  free(c.text);
  free(opts);
  free(data);
  return failures ? 1 : 0;
}

/* For each FILE (its name as the source): DIR/N.validate.json (cg_validate with answers),
 * DIR/N.report.json (answers false) and DIR/N.stream.json (cg_stream_*, 4 KiB chunks). */
static int cmd_compare(const char* today, const char* dir, int files, char** paths) {
  cg_engine* e = engine_or_die(NULL);
  int rc = 0;
  for (int i = 0; i < files && rc == 0; ++i) {
    const char* kinds[] = {"validate", "report", "stream"};
    for (int k = 0; k < 3 && rc == 0; ++k) {
      char name[4096];
      snprintf(name, sizeof name, "%s/%d.%s.json", dir, i, kinds[k]);
      FILE* out = fopen(name, "wb");
      if (out == NULL) {
        perror(name);
        return 2;
      }
      rc = k == 2 ? write_stream(e, paths[i], paths[i], today, 4096, out)
                  : write_report(e, paths[i], paths[i], today, k == 0, out);
      fclose(out);
    }
  }
  cg_engine_free(e);
  return rc;
}

/* ---- threads ---- */

struct Job {
  cg_engine* engine;
  int files, rounds, id;
  char** data;
  size_t* lens;
  char** expected;
  int errors;
};

static void* worker(void* arg) {
  struct Job* j = arg;
  char bad[64];
  sprintf(bad, "{\"thread_%d\":1}", j->id);
  for (int round = 0; round < j->rounds; ++round) {
    for (int i = 0; i < j->files; ++i) {
      const int f = (i + j->id) % j->files;
      cg_result* r = NULL;
      if (cg_validate(j->engine, j->data[f], j->lens[f], "{\"today\":\"2026-06-01\",\"source\":\"t\"}", &r) !=
          CG_OK) {
        ++j->errors;
        continue;
      }
      if (strcmp(cg_result_report_json(r, NULL), j->expected[f]) != 0) ++j->errors;
      cg_result_free(r);
    }
    /* The error text is the calling thread's, whatever the others do meanwhile. */
    cg_result* r = NULL;
    if (cg_validate(j->engine, "", 0, bad, &r) != CG_E_ARGUMENT || r != NULL) ++j->errors;
    char want[96];
    sprintf(want, "options: unknown key 'thread_%d'", j->id);
    if (strcmp(cg_engine_last_error(j->engine), want) != 0) ++j->errors;
    char* json = NULL;
    if (cg_code_lookup(j->engine, "E11.9", "2026-06-01", &json, NULL) != CG_OK || strstr(json, "\"billable\"") == NULL)
      ++j->errors;
    cg_string_free(json);
  }
  return NULL;
}

static int cmd_threads(int n, int rounds, int files, char** paths) {
  cg_engine* e = engine_or_die(NULL);
  char** data = calloc((size_t)files, sizeof *data);
  size_t* lens = calloc((size_t)files, sizeof *lens);
  char** expected = calloc((size_t)files, sizeof *expected);
  for (int i = 0; i < files; ++i) {
    data[i] = slurp(paths[i], &lens[i]);
    cg_result* r = NULL;
    CHECK(cg_validate(e, data[i], lens[i], "{\"today\":\"2026-06-01\",\"source\":\"t\"}", &r) == CG_OK);
    expected[i] = strdup(cg_result_report_json(r, NULL));
    cg_result_free(r);
  }
  pthread_t* th = calloc((size_t)n, sizeof *th);
  struct Job* jobs = calloc((size_t)n, sizeof *jobs);
  for (int t = 0; t < n; ++t) {
    jobs[t] = (struct Job){e, files, rounds, t, data, lens, expected, 0};
    pthread_create(&th[t], NULL, worker, &jobs[t]);
  }
  for (int t = 0; t < n; ++t) {
    pthread_join(th[t], NULL);
    if (jobs[t].errors) fprintf(stderr, "thread %d: %d mismatches\n", t, jobs[t].errors);
    failures += jobs[t].errors;
  }
  for (int i = 0; i < files; ++i) {
    free(data[i]);
    free(expected[i]);
  }
  free(data);
  free(lens);
  free(expected);
  free(th);
  free(jobs);
  cg_engine_free(e);
  printf("%d threads x %d rounds x %d files: %s\n", n, rounds, files, failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}

/* ---- every API path ---- */

static int stop_at_first(void* user, const char* json, size_t len, int accepted) {
  (void)json;
  (void)len;
  (void)accepted;
  ++*(int*)user;
  return 1;
}

/* A host that calls back into its own stream from on_claim (reentrancy): feed and finish are
 * refused, free is deferred to the end of the running feed. */
struct Reenter {
  cg_stream* s;
  int calls, feed_rc, finish_rc, do_free;
};

static int reenter(void* user, const char* json, size_t len, int accepted) {
  struct Reenter* r = (struct Reenter*)user;
  cg_result* res = NULL;
  (void)json;
  (void)len;
  (void)accepted;
  ++r->calls;
  r->feed_rc = cg_stream_feed(r->s, "ISA", 3);
  r->finish_rc = cg_stream_finish(r->s, &res);
  if (res != NULL) cg_result_free(res);
  if (r->do_free) cg_stream_free(r->s);
  return 0;
}

static int cmd_api(const char* x12_path, const char* fhir_path) {
  size_t x12_len, fhir_len;
  char* x12 = slurp(x12_path, &x12_len);
  char* fhir = slurp(fhir_path, &fhir_len);

  CHECK(cg_abi_version() == CG_ABI_VERSION);
  CHECK(strlen(cg_version()) >= 5);

  /* Engine errors: the configuration keys and messages of the server. */
  cg_engine* e = (cg_engine*)1;
  CHECK(cg_engine_new("{\"no_such_key\":1}", &e) == CG_E_CONFIG && e == NULL);
  CHECK(strstr(cg_engine_last_error(NULL), "no_such_key") != NULL);
  CHECK(cg_engine_new("{not json", &e) == CG_E_CONFIG && e == NULL);
  CHECK(cg_engine_new("{\"rules\":{\"default\":[\"no-such-pack\"]}}", &e) == CG_E_CONFIG);
  CHECK(strstr(cg_engine_last_error(NULL), "rules.default") != NULL);
  CHECK(cg_engine_new("{\"code_set\":\"/nonexistent/icd10cm.cgx\"}", &e) == CG_E_CODESET && e == NULL);
  CHECK(strstr(cg_engine_last_error(NULL), "code_set") != NULL);
  CHECK(cg_engine_new(NULL, NULL) == CG_E_ARGUMENT);
  cg_engine_free(NULL);

  e = engine_or_die("{\"identity\":{\"sender_id\":\"EMBEDTEST\"}}");
  CHECK(strcmp(cg_engine_last_error(e), "") == 0);

  /* X12 with answers. */
  cg_result* r = NULL;
  CHECK(cg_validate(e, x12, x12_len, "{\"today\":\"2026-06-01\",\"control_number\":500}", &r) == CG_OK);
  CHECK(strcmp(cg_result_format(r), "x12") == 0 && cg_result_usable(r) == 1);
  CHECK(cg_result_count(r, CG_COUNT_CLAIMS) >= 1);
  CHECK(cg_result_count(r, CG_COUNT_CLAIMS) ==
        cg_result_count(r, CG_COUNT_ACCEPTED) + cg_result_count(r, CG_COUNT_REJECTED));
  CHECK(cg_result_count(r, 99) == 0 && cg_result_count(r, -1) == 0);
  size_t n = 0;
  const char* ack = cg_result_ack_999(r, &n);
  CHECK(n > 0 && strstr(ack, "ST*999*") != NULL);
  CHECK(strstr(ack, "*000000500*") != NULL);
  const char* both = cg_result_ack(r, &n);
  CHECK(strncmp(both, ack, strlen(ack)) == 0);
  if (cg_result_count(r, CG_COUNT_ACCEPTED) > 0) {
    /* The 277CA comes from claimgate's identity of the configuration. */
    CHECK(strstr(cg_result_ack_277ca(r, NULL), "ST*277*") != NULL);
    CHECK(strstr(cg_result_ack_277ca(r, NULL), "EMBEDTEST") != NULL);
    CHECK(cg_result_forward_count(r) >= 1);
    CHECK(strncmp(cg_result_forward_body(r, 0, &n), "ISA", 3) == 0 && n > 100);
    CHECK(strcmp(cg_result_forward_content_type(r, 0), "application/edi-x12") == 0);
    CHECK(cg_result_forward_payer(r, 0) != NULL);
  }
  CHECK(cg_result_forward_body(r, 1000, &n) == NULL && n == 0);
  CHECK(cg_result_forward_payer(r, 1000) == NULL && cg_result_forward_content_type(r, 1000) == NULL);
  CHECK(cg_result_fhir_answer(r, &n)[0] == '\0' && n == 0 && cg_result_http_status(r) == 0);
  cg_result_free(r);

  /* FHIR, every operation. */
  const char* ops[] = {"batch", "validate", "submit", "create"};
  for (int i = 0; i < 4; ++i) {
    char o[96];
    sprintf(o, "{\"fhir_operation\":\"%s\",\"sender\":\"S1\"}", ops[i]);
    r = NULL;
    CHECK(cg_validate(e, fhir, fhir_len, o, &r) == CG_OK);
    CHECK(strcmp(cg_result_format(r), "fhir") == 0 && cg_result_usable(r) == 1);
    CHECK(strstr(cg_result_fhir_answer(r, NULL), "\"resourceType\"") != NULL);
    CHECK(cg_result_http_status(r) >= 200 && cg_result_http_status(r) < 500);
    CHECK(cg_result_ack(r, NULL)[0] == '\0');
    cg_result_free(r);
  }

  /* The ids of generated resources never repeat from one call to the next (issue 15). */
  {
    char first[80] = "";
    for (int i = 0; i < 2; ++i) {
      r = NULL;
      CHECK(cg_validate(e, fhir, fhir_len, "{\"fhir_operation\":\"validate\"}", &r) == CG_OK);
      const char* at = strstr(cg_result_fhir_answer(r, NULL), "\"id\":\"");
      CHECK(at != NULL);
      char id[80] = "";
      if (at != NULL) sscanf(at + 6, "%79[^\"]", id);
      CHECK(strlen(id) > 32 && strncmp(id, "cg-", 3) != 0);
      if (i == 0) strcpy(first, id);
      else CHECK(strcmp(first, id) != 0);
      cg_result_free(r);
    }
  }

  /* Neither X12 nor FHIR; empty input; report only. */
  r = NULL;
  CHECK(cg_validate(e, "hello", 5, NULL, &r) == CG_OK);
  CHECK(cg_result_usable(r) == 0 && strcmp(cg_result_format(r), "unknown") == 0);
  CHECK(strstr(cg_result_report_json(r, NULL), "input.unrecognized") != NULL);
  CHECK(cg_result_count(r, CG_COUNT_INPUT_ERRORS) == 1);
  cg_result_free(r);
  r = NULL;
  CHECK(cg_validate(e, NULL, 0, "{\"answers\":false}", &r) == CG_OK && cg_result_usable(r) == 0);
  cg_result_free(r);
  cg_result_free(NULL);

  /* Argument errors, each with its text on this engine. */
  CHECK(cg_validate(e, x12, x12_len, "{\"today\":\"2026-13-01\"}", &r) == CG_E_ARGUMENT && r == NULL);
  CHECK(strstr(cg_engine_last_error(e), "options.today") != NULL);
  CHECK(cg_validate(e, x12, x12_len, "{\"fhir_operation\":\"x\"}", &r) == CG_E_ARGUMENT);
  CHECK(cg_validate(e, x12, x12_len, "{\"control_number\":-1}", &r) == CG_E_ARGUMENT);
  CHECK(cg_validate(e, x12, x12_len, "{\"answers\":1}", &r) == CG_E_ARGUMENT);
  CHECK(cg_validate(e, x12, x12_len, "[]", &r) == CG_E_ARGUMENT);
  CHECK(cg_validate(e, x12, x12_len, "{", &r) == CG_E_ARGUMENT);
  CHECK(strstr(cg_engine_last_error(e), "not JSON") != NULL);
  CHECK(cg_validate(e, NULL, 5, NULL, &r) == CG_E_ARGUMENT);
  CHECK(cg_validate(e, x12, x12_len, NULL, NULL) == CG_E_ARGUMENT);
  CHECK(cg_validate(NULL, x12, x12_len, NULL, &r) == CG_E_ARGUMENT);
  CHECK(strlen(cg_engine_last_error(NULL)) > 0);
  CHECK(cg_result_report_json(NULL, &n)[0] == '\0' && n == 0);
  CHECK(cg_result_usable(NULL) == 0 && cg_result_count(NULL, 0) == 0);

  /* Streams: complete, stopped by the callback, misuse, abandoned. */
  int seen = 0;
  cg_stream* s = NULL;
  CHECK(cg_stream_begin(e, "{\"answers\":true}", stop_at_first, &seen, &s) == CG_E_ARGUMENT && s == NULL);
  CHECK(cg_stream_begin(e, NULL, NULL, NULL, &s) == CG_E_ARGUMENT);
  CHECK(cg_stream_begin(NULL, NULL, stop_at_first, &seen, &s) == CG_E_ARGUMENT);
  CHECK(cg_stream_begin(e, "{\"today\":\"2026-06-01\"}", stop_at_first, &seen, &s) == CG_OK);
  CHECK(cg_stream_feed(s, x12, x12_len) == CG_OK);
  CHECK(cg_stream_feed(s, x12, x12_len) == CG_E_STATE || seen == 0);
  r = NULL;
  if (seen > 0) {
    CHECK(cg_stream_finish(s, &r) == CG_E_STATE && r == NULL);
    CHECK(strstr(cg_stream_last_error(s), "stopped") != NULL);
  }
  cg_stream_free(s);
  CHECK(seen == 1 || cg_result_count(NULL, 0) == 0);

  {
    struct Reenter re = {NULL, 0, 0, 0, 0};
    CHECK(cg_stream_begin(e, "{\"today\":\"2026-06-01\"}", reenter, &re, &re.s) == CG_OK);
    /* The claims reach on_claim during the feed or the finish. */
    cg_result* rr = NULL;
    CHECK(cg_stream_feed(re.s, x12, x12_len) == CG_OK);
    CHECK(cg_stream_finish(re.s, &rr) == CG_OK && rr != NULL);
    CHECK(re.calls >= 1 && re.feed_rc == CG_E_STATE && re.finish_rc == CG_E_STATE);
    CHECK(strstr(cg_stream_last_error(re.s), "inside on_claim") != NULL);
    cg_result_free(rr);
    cg_stream_free(re.s);
    struct Reenter fr = {NULL, 0, 0, 0, 1};
    CHECK(cg_stream_begin(e, "{\"today\":\"2026-06-01\"}", reenter, &fr, &fr.s) == CG_OK);
    int rc = cg_stream_feed(fr.s, x12, x12_len);
    if (rc == CG_OK && fr.calls == 0) {
      rr = NULL;
      rc = cg_stream_finish(fr.s, &rr);
      CHECK(rr == NULL);
    }
    CHECK(rc == CG_E_STATE && fr.calls == 1); /* freed by on_claim, then not used */
  }

  s = NULL;
  struct Collected c = {0};
  CHECK(cg_stream_begin(e, NULL, on_claim, &c, &s) == CG_OK);
  CHECK(cg_stream_feed(s, NULL, 3) == CG_E_ARGUMENT);
  CHECK(cg_stream_feed(s, fhir, fhir_len) == CG_OK);
  CHECK(cg_stream_finish(s, NULL) == CG_E_ARGUMENT);
  CHECK(cg_stream_finish(s, &r) == CG_OK && r != NULL);
  CHECK(strcmp(cg_result_format(r), "fhir") == 0 && cg_result_count(r, CG_COUNT_CLAIMS) == c.claims);
  CHECK(cg_stream_feed(s, "x", 1) == CG_E_STATE);
  cg_result* r2 = NULL;
  CHECK(cg_stream_finish(s, &r2) == CG_E_STATE && r2 == NULL);
  CHECK(strstr(cg_stream_last_error(s), "finished") != NULL);
  cg_stream_free(s);
  cg_result_free(r);
  free(c.text);

  s = NULL;
  CHECK(cg_stream_begin(e, NULL, stop_at_first, &seen, &s) == CG_OK);
  CHECK(cg_stream_feed(s, x12, x12_len / 2) == CG_OK);
  cg_stream_free(s); /* never finished */
  cg_stream_free(NULL);
  CHECK(cg_stream_feed(NULL, "x", 1) == CG_E_ARGUMENT && cg_stream_finish(NULL, &r) == CG_E_ARGUMENT);
  CHECK(strcmp(cg_stream_last_error(NULL), "") == 0);

  /* Code lookups. */
  char* json = NULL;
  CHECK(cg_code_lookup(e, "e119", "2025-01-01", &json, &n) == CG_OK);
  CHECK(json != NULL && strlen(json) == n && strstr(json, "\"code\": \"E11.9\"") != NULL);
  CHECK(strstr(json, "\"status\": \"billable\"") != NULL && json[n - 1] == '\n');
  cg_string_free(json);
  CHECK(cg_code_lookup(e, "ZZZ.99", "2025-01-01", &json, NULL) == CG_OK && strstr(json, "\"unknown\"") != NULL);
  cg_string_free(json);
  CHECK(cg_code_lookup(e, "E11.9", NULL, &json, NULL) == CG_OK);
  cg_string_free(json);
  CHECK(cg_code_lookup(e, "E11.9", "2025-1-1", &json, NULL) == CG_E_ARGUMENT && json == NULL);
  CHECK(strstr(cg_engine_last_error(e), "2025-1-1") != NULL);
  CHECK(cg_code_lookup(e, NULL, NULL, &json, NULL) == CG_E_ARGUMENT);
  CHECK(cg_code_lookup(e, "E11.9", NULL, NULL, NULL) == CG_E_ARGUMENT);
  CHECK(cg_code_lookup(NULL, "E11.9", NULL, &json, NULL) == CG_E_ARGUMENT);
  cg_string_free(NULL);

  cg_engine_free(e);

  /* Routing by target format: the forward bodies are converted for the payer's target. An
   * accepted 837 claim for a FHIR target is a FHIR batch Bundle; that Bundle sent to an engine
   * whose target takes X12 is an 837 interchange again (envelope and contact from "identity",
   * ISA13 from control_number); an X12 target without the submitter contact is a configuration error. */
  CHECK(cg_engine_new("{\"forward\":{\"targets\":{\"p\":{\"type\":\"outbox\",\"format\":\"x12\"}},"
                      "\"default_target\":\"p\"}}", &e) == CG_E_CONFIG);
  CHECK(strstr(cg_engine_last_error(NULL), "identity.contact_name") != NULL);
  cg_engine* to_fhir = engine_or_die(
      "{\"forward\":{\"targets\":{\"p\":{\"type\":\"outbox\",\"format\":\"fhir\"}},\"default_target\":\"p\"}}");
  cg_engine* to_x12 = engine_or_die(
      "{\"identity\":{\"sender_id\":\"EMBEDTEST\",\"contact_name\":\"EDI DESK\",\"contact_phone\":\"8005551212\"},"
      "\"forward\":{\"targets\":{\"p\":{\"type\":\"outbox\",\"format\":\"x12\"}},\"default_target\":\"p\"}}");
  r = NULL;
  CHECK(cg_validate(to_fhir, x12, x12_len, "{\"today\":\"2026-06-01\",\"control_number\":600}", &r) == CG_OK);
  CHECK(cg_result_count(r, CG_COUNT_ACCEPTED) == 1 && cg_result_forward_count(r) == 1);
  if (cg_result_forward_count(r) == 1) {
    size_t blen = 0;
    const char* bundle = cg_result_forward_body(r, 0, &blen);
    CHECK(strcmp(cg_result_forward_content_type(r, 0), "application/fhir+json") == 0);
    CHECK(strncmp(bundle, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",", 40) == 0);
    cg_result* back = NULL;
    CHECK(cg_validate(to_x12, bundle, blen, "{\"today\":\"2026-06-01\",\"control_number\":700,\"fhir_operation\":\"submit\"}",
                      &back) == CG_OK);
    CHECK(cg_result_http_status(back) == 200);
    CHECK(cg_result_forward_count(back) == 1);
    if (cg_result_forward_count(back) == 1) {
      const char* x = cg_result_forward_body(back, 0, &n);
      CHECK(strcmp(cg_result_forward_content_type(back, 0), "application/edi-x12") == 0);
      CHECK(strncmp(x, "ISA*00*", 7) == 0 && strstr(x, "*ZZ*EMBEDTEST      *") != NULL);
      CHECK(strstr(x, "*000000700*") != NULL && strstr(x, "PER*IC*EDI DESK*TE*8005551212~") != NULL);
      CHECK(strstr(x, "CLM*") != NULL && strstr(x, "IEA*1*000000700~") != NULL);
    }
    cg_result_free(back);
  }
  cg_result_free(r);
  cg_engine_free(to_fhir);
  cg_engine_free(to_x12);

  free(x12);
  free(fhir);
  printf("api: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}

int main(int argc, char** argv) {
  if (argc >= 5 && strcmp(argv[1], "compare") == 0) return cmd_compare(argv[2], argv[3], argc - 4, argv + 4);
  if (argc >= 5 && strcmp(argv[1], "threads") == 0) return cmd_threads(atoi(argv[2]), atoi(argv[3]), argc - 4, argv + 4);
  if (argc >= 4 && strcmp(argv[1], "api") == 0) return cmd_api(argv[2], argv[3]);
  fprintf(stderr, "usage: embed_test report|stream|threads|api ...\n");
  return 2;
}
