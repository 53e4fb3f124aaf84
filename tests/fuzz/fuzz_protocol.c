/* fuzz_protocol.c - the worker protocol (worker/protocol.c): the stream
 * split into lines, each line parsed; a line that parses must format and
 * parse again to the same line (whatever the worker can send, the runner
 * reads, and the other way round). */
#include "fuzz.h"

#include "worker/protocol.h"

static void check_round_trip(const char *text)
{
    size_t n = strlen(text);
    char *copy = fuzz_strndup((const uint8_t *)text, n);
    drip_proto_msg m;
    char why[128];
    if (drip_proto_parse(copy, &m, why, sizeof why) != 0) {
        free(copy);
        return;
    }
    char once[DRIP_PROTO_MAX_LINE + 1], twice[DRIP_PROTO_MAX_LINE + 1];
    size_t len1 = drip_proto_format(&m, once);
    if (len1 == 0 || len1 > DRIP_PROTO_MAX_LINE || once[len1 - 1] != '\n')
        fuzz_fail("format: not one line");
    once[len1 - 1] = '\0';
    char *again = fuzz_strndup((const uint8_t *)once, len1 - 1);
    drip_proto_msg m2;
    if (drip_proto_parse(again, &m2, why, sizeof why) != 0) {
        fprintf(stderr, "input: %s\nformatted: %s\nwhy: %s\n", text, once, why);
        fuzz_fail("a formatted line does not parse");
    }
    size_t len2 = drip_proto_format(&m2, twice);
    twice[len2 ? len2 - 1 : 0] = '\0';
    if (len1 != len2 || strcmp(once, twice) != 0) {
        fprintf(stderr, "first: %s\nsecond: %s\n", once, twice);
        fuzz_fail("a parsed line formats differently the second time");
    }
    free(again);
    free(copy);
}

static void on_line(void *arg, char *text)
{
    (void)arg;
    check_round_trip(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static drip_proto_reader r;
    memset(&r, 0, sizeof r);
    /* the first byte picks the chunk size the pipe delivers */
    size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
    for (size_t off = size ? 1 : 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        drip_proto_feed(&r, (const char *)data + off, n, on_line, NULL);
    }
    return 0;
}
