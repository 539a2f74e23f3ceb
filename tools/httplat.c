// httplat: latency of one HTTP GET repeated over a keep-alive connection (the same client for evqd and
// VictoriaMetrics, so their figures compare). Prints percentiles as JSON.
//
//   cc -O2 -o httplat httplat.c
//   ./httplat -a 127.0.0.1:8052 -p '/api/v1/timeline?series=...&points=720' -n 20000 -w 500
//
// Each request is written whole, then the response is read to its end (Content-Length or chunked); the time
// from the first byte written to the last byte read is one sample. Any status other than 200 is an error.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char buf[1 << 22];
static size_t have, pos;
static int fd;

static int fill(void) {
    if (pos > 0) { memmove(buf, buf + pos, have - pos); have -= pos; pos = 0; }
    if (have == sizeof buf) return -1;
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n <= 0) return -1;
    have += (size_t)n;
    return 0;
}

// Returns a pointer to the next CRLF-terminated line (NUL-terminated in place), or NULL on EOF.
static char *line(void) {
    for (;;) {
        for (size_t i = pos; i + 1 < have; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n') {
                buf[i] = 0;
                char *l = buf + pos;
                pos = i + 2;
                return l;
            }
        }
        if (fill() != 0) return NULL;
    }
}

static int skip(size_t n) {
    while (have - pos < n) { n -= have - pos; pos = have; if (fill() != 0) return -1; }
    pos += n;
    return 0;
}

// Reads one response; returns its status, the body length in *bytes, or -1.
static int response(size_t *bytes) {
    char *status = line();
    if (!status) return -1;
    int code = atoi(strchr(status, ' ') ? strchr(status, ' ') + 1 : "0");
    long length = -1; int chunked = 0;
    char *h;
    while ((h = line()) && *h) {
        if (strncasecmp(h, "content-length:", 15) == 0) length = atol(h + 15);
        if (strncasecmp(h, "transfer-encoding:", 18) == 0 && strstr(h, "chunked")) chunked = 1;
    }
    if (!h) return -1;
    *bytes = 0;
    if (chunked) {
        for (;;) {
            char *size = line();
            if (!size) return -1;
            long n = strtol(size, NULL, 16);
            if (n == 0) { line(); break; }
            if (skip((size_t)n) != 0 || !line()) return -1;
            *bytes += (size_t)n;
        }
    } else if (length >= 0) {
        if (skip((size_t)length) != 0) return -1;
        *bytes = (size_t)length;
    }
    return code;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *address = "127.0.0.1:8052", *path = "/healthz", *header = NULL;
    long n = 10000, warmup = 200;
    int opt;
    while ((opt = getopt(argc, argv, "a:p:n:w:H:")) != -1) {
        if (opt == 'a') address = optarg;
        else if (opt == 'p') path = optarg;
        else if (opt == 'n') n = atol(optarg);
        else if (opt == 'w') warmup = atol(optarg);
        else if (opt == 'H') header = optarg;
        else { fprintf(stderr, "usage: httplat -a HOST:PORT -p PATH [-n N] [-w WARMUP] [-H 'Name: value']\n"); return 2; }
    }
    char host[256]; strncpy(host, address, sizeof host - 1); host[sizeof host - 1] = 0;
    char *colon = strrchr(host, ':'); if (!colon) { fprintf(stderr, "bad address\n"); return 2; }
    *colon = 0;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
    inet_pton(AF_INET, host, &sa.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { perror("connect"); return 2; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char request[8192];
    int rl = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n%s%sAccept: */*\r\n\r\n", path, address,
                      header ? header : "", header ? "\r\n" : "");
    double *samples = malloc(sizeof(double) * (size_t)n);
    size_t bytes = 0;
    long errors = 0;
    for (long i = -warmup; i < n; i++) {
        double t = now();
        if (write(fd, request, (size_t)rl) != rl) { perror("write"); return 1; }
        int code = response(&bytes);
        double dt = now() - t;
        if (code < 0) { fprintf(stderr, "connection lost\n"); return 1; }
        if (code != 200) { if (errors++ < 3) fprintf(stderr, "status %d\n", code); }
        if (i >= 0) samples[i] = dt;
    }
    qsort(samples, (size_t)n, sizeof(double), cmp);
#define P(q) (samples[(size_t)((q) * (double)(n - 1))] * 1e6)
    printf("{\"requests\":%ld,\"body_bytes\":%zu,\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f,\"errors\":%ld}\n",
           n, bytes, P(0.5), P(0.9), P(0.99), samples[n - 1] * 1e6, errors);
    return errors == 0 ? 0 : 1;
}
