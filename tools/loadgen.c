// loadgen: pushes a line-protocol file to evqd over N TCP connections and waits for every connection's
// final '#evq sync' acknowledgement. Reports lines/s until the last ack (i.e. until everything is durable).
//
//   cc -O2 -pthread -o loadgen loadgen.c
//   ./loadgen -f lp.txt -c 4 -a 127.0.0.1:8094
//   ./loadgen -f lp.txt -c 4 -a 127.0.0.1:8089 -p          # plain line protocol (any server, e.g. VictoriaMetrics)
//   ./loadgen -f lp.txt -c 2 -a 127.0.0.1:8094 -p -r 0     # repeat until killed: background load
//
// -p: no '#evq sync'; each connection half-closes after its part and waits for the server to close (so the time
// covers what the server read, not that it is durable or queryable). -r N: send the part N times (0: forever).
//
// The file is split into N contiguous parts at line boundaries; each connection sends its part with large
// writes, then '#evq sync load-K', and reads replies until 'ok load-K OFFSET'. Every 'err' reply is counted.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int id;
    const char *data;
    size_t len;
    long lines;
    long errors;
    long long ack_offset;
    int ok;
    struct sockaddr_in addr;
    pthread_t thread;
} conn_t;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *reader(void *arg);

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

typedef struct { int fd; conn_t *c; } reader_arg;

static int plain = 0;
static long rounds = 1;

static void *run(void *arg) {
    conn_t *c = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&c->addr, sizeof c->addr) != 0) { perror("connect"); return NULL; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_t rt;
    reader_arg ra = { fd, c };
    pthread_create(&rt, NULL, reader, &ra);
    size_t chunk = 256 * 1024;
    for (long round = 0; rounds == 0 || round < rounds; round++) {
        size_t off = 0;
        while (off < c->len) {
            size_t n = c->len - off < chunk ? c->len - off : chunk;
            if (write_all(fd, c->data + off, n) != 0) { perror("write"); goto done; }
            off += n;
        }
    }
done:
    if (plain) {
        shutdown(fd, SHUT_WR);
        c->ok = 1;
    } else {
        char sync[64];
        int sl = snprintf(sync, sizeof sync, "#evq sync load-%d\n", c->id);
        write_all(fd, sync, (size_t)sl);
    }
    pthread_join(rt, NULL);
    close(fd);
    return NULL;
}

static void *reader(void *arg) {
    reader_arg *ra = arg;
    conn_t *c = ra->c;
    char buf[65536], line[4096];
    size_t ll = 0;
    char want[64];
    snprintf(want, sizeof want, "ok load-%d ", c->id);
    for (;;) {
        ssize_t n = read(ra->fd, buf, sizeof buf);
        if (n <= 0) return NULL;
        if (plain) continue;  // read until the server closes
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') { if (ll < sizeof line - 1) line[ll++] = buf[i]; continue; }
            line[ll] = 0;
            if (strncmp(line, want, strlen(want)) == 0) { c->ack_offset = atoll(line + strlen(want)); c->ok = 1; return NULL; }
            if (strncmp(line, "err", 3) == 0) { if (c->errors < 3) fprintf(stderr, "conn %d: %s\n", c->id, line); c->errors++; }
            ll = 0;
        }
    }
}

int main(int argc, char **argv) {
    const char *file = NULL, *address = "127.0.0.1:8094";
    int conns = 4, opt;
    while ((opt = getopt(argc, argv, "f:c:a:pr:")) != -1) {
        if (opt == 'p') plain = 1;
        else if (opt == 'r') rounds = atol(optarg);
        else if (opt == 'f') file = optarg;
        else if (opt == 'c') conns = atoi(optarg);
        else if (opt == 'a') address = optarg;
        else { fprintf(stderr, "usage: loadgen -f FILE [-c CONNS] [-a HOST:PORT]\n"); return 2; }
    }
    if (!file || conns < 1) { fprintf(stderr, "usage: loadgen -f FILE [-c CONNS] [-a HOST:PORT]\n"); return 2; }
    int fd = open(file, O_RDONLY);
    if (fd < 0) { perror(file); return 2; }
    struct stat st; fstat(fd, &st);
    const char *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) { perror("mmap"); return 2; }
    char host[256]; strncpy(host, address, sizeof host - 1); host[sizeof host - 1] = 0;
    char *colon = strrchr(host, ':'); if (!colon) { fprintf(stderr, "bad address\n"); return 2; }
    *colon = 0; int port = atoi(colon + 1);
    conn_t *cs = calloc((size_t)conns, sizeof *cs);
    size_t start = 0, total = (size_t)st.st_size;
    long lines_total = 0;
    for (int i = 0; i < conns; i++) {
        size_t end = i == conns - 1 ? total : total / (size_t)conns * (size_t)(i + 1);
        while (end < total && data[end - 1] != '\n') end++;
        cs[i].id = i; cs[i].data = data + start; cs[i].len = end - start;
        for (size_t k = start; k < end; k++) if (data[k] == '\n') cs[i].lines++;
        cs[i].lines *= rounds > 0 ? rounds : 1;
        lines_total += cs[i].lines;
        cs[i].addr.sin_family = AF_INET; cs[i].addr.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &cs[i].addr.sin_addr);
        start = end;
    }
    double t0 = now();
    for (int i = 0; i < conns; i++) pthread_create(&cs[i].thread, NULL, run, &cs[i]);
    long errors = 0; int acked = 0; long long max_offset = -1;
    for (int i = 0; i < conns; i++) {
        pthread_join(cs[i].thread, NULL);
        errors += cs[i].errors; acked += cs[i].ok;
        if (cs[i].ack_offset > max_offset) max_offset = cs[i].ack_offset;
    }
    double dt = now() - t0;
    printf("{\"lines\":%ld,\"connections\":%d,\"seconds\":%.3f,\"lines_per_second\":%.0f,\"mb_per_second\":%.1f,"
           "\"errors\":%ld,\"acked_connections\":%d,\"last_offset\":%lld}\n",
           lines_total, conns, dt, lines_total / dt, total / dt / 1e6, errors, acked, max_offset);
    return acked == conns && errors == 0 ? 0 : 1;
}
