// synclat: acknowledged-write latency. N connections each send one line followed by '#evq sync', wait for the
// 'ok', and repeat; prints p50/p90/p99/max of the round trips (send → ok) over all connections.
//
//   cc -O2 -pthread -o synclat synclat.c -lm
//   ./synclat -c 8 -n 500 -a 127.0.0.1:8094
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr;
static int rounds = 500;
static double *samples;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg) {
    long id = (long)arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("connect"); exit(2); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char line[256], buf[4096];
    for (int r = 0; r < rounds; r++) {
        int n = snprintf(line, sizeof line, "synclat,writer=%ld seq=%di %ld\n#evq sync s%d\n", id, r, (long)r + 1, r);
        double t0 = now();
        if (write(fd, line, (size_t)n) != n) { perror("write"); exit(2); }
        size_t got = 0;
        for (;;) {
            ssize_t k = read(fd, buf + got, sizeof buf - got - 1);
            if (k <= 0) { fprintf(stderr, "connection closed\n"); exit(2); }
            got += (size_t)k;
            buf[got] = 0;
            if (strchr(buf, '\n')) break;
        }
        if (strncmp(buf, "ok ", 3) != 0) { fprintf(stderr, "unexpected reply: %s", buf); exit(2); }
        samples[id * rounds + r] = now() - t0;
    }
    close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int conns = 8, opt;
    const char *address = "127.0.0.1:8094";
    while ((opt = getopt(argc, argv, "c:n:a:")) != -1) {
        if (opt == 'c') conns = atoi(optarg);
        else if (opt == 'n') rounds = atoi(optarg);
        else if (opt == 'a') address = optarg;
        else { fprintf(stderr, "usage: synclat [-c CONNS] [-n ROUNDS] [-a HOST:PORT]\n"); return 2; }
    }
    char host[256]; strncpy(host, address, sizeof host - 1); host[sizeof host - 1] = 0;
    char *colon = strrchr(host, ':'); if (!colon) return 2; *colon = 0;
    addr.sin_family = AF_INET; addr.sin_port = htons((uint16_t)atoi(colon + 1));
    inet_pton(AF_INET, host, &addr.sin_addr);
    samples = calloc((size_t)conns * (size_t)rounds, sizeof *samples);
    pthread_t *ts = calloc((size_t)conns, sizeof *ts);
    double t0 = now();
    for (long i = 0; i < conns; i++) pthread_create(&ts[i], NULL, run, (void *)i);
    for (int i = 0; i < conns; i++) pthread_join(ts[i], NULL);
    double dt = now() - t0;
    size_t n = (size_t)conns * (size_t)rounds;
    qsort(samples, n, sizeof *samples, cmp);
    printf("{\"connections\":%d,\"syncs\":%zu,\"syncs_per_second\":%.0f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
           conns, n, n / dt, samples[n / 2] * 1e3, samples[n * 9 / 10] * 1e3, samples[n * 99 / 100] * 1e3, samples[n - 1] * 1e3);
    return 0;
}
