// The loopback floor under the HJ 212 benchmark: N TCP connections on 127.0.0.1, each sending a
// FRAME-byte message and waiting for an ACK-byte answer, with epoll and nothing else — no
// decoding, no storing. What it reaches on a machine bounds what any listener plus device
// fleet sharing that machine can (`huiliu bench hj212`).
//   cc -O2 -o /tmp/loopback-floor scripts/loopback-floor.c -lpthread && /tmp/loopback-floor 1000 2 10
//   (connections, threads per side, seconds)
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>
#include <stdatomic.h>
#include <signal.h>

static int N = 1000, FRAME = 330, ACK = 90, THREADS = 2, SECS = 10;
static atomic_long done_count;
static volatile int stop_flag;
static int port;

/// One side: answers each message of `in` bytes that arrives with one of `out` bytes; the
/// devices' side counts the answers it gets.
struct side { int ep, in, out, counts; };

static void *side_loop(void *arg) {
    struct side *side = arg; struct epoll_event ev[512]; char buf[65536]; char reply[4096]; memset(reply, 'F', sizeof reply);
    while (!stop_flag) {
        int n = epoll_wait(side->ep, ev, 512, 100);
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) continue;
            int messages = r / side->in; if (messages == 0) messages = 1;
            if (side->counts) atomic_fetch_add(&done_count, messages);
            for (int k = 0; k < messages; k++) if (write(fd, reply, side->out) < 0) break;
        }
    }
    return NULL;
}
int main(int argc, char **argv) {
    if (argc > 1) N = atoi(argv[1]);
    if (argc > 2) THREADS = atoi(argv[2]);
    if (argc > 3) SECS = atoi(argv[3]);
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0); int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(ls, (void *)&a, sizeof a); listen(ls, 4096);
    socklen_t al = sizeof a; getsockname(ls, (void *)&a, &al); port = ntohs(a.sin_port);
    int sep[8], cep[8];
    for (int t = 0; t < THREADS; t++) { sep[t] = epoll_create1(0); cep[t] = epoll_create1(0); }
    int *cfd = malloc(sizeof(int) * N);
    for (int i = 0; i < N; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c, (void *)&a, sizeof a) < 0) { perror("connect"); return 1; }
        int s = accept(ls, NULL, NULL);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(c, F_SETFL, O_NONBLOCK); fcntl(s, F_SETFL, O_NONBLOCK);
        struct epoll_event e = {.events = EPOLLIN, .data.fd = s}; epoll_ctl(sep[i % THREADS], EPOLL_CTL_ADD, s, &e);
        struct epoll_event f = {.events = EPOLLIN, .data.fd = c}; epoll_ctl(cep[i % THREADS], EPOLL_CTL_ADD, c, &f);
        cfd[i] = c;
    }
    pthread_t th[16]; struct side sides[16];
    for (int t = 0; t < THREADS; t++) {
        sides[2*t] = (struct side){sep[t], FRAME, ACK, 0};
        sides[2*t+1] = (struct side){cep[t], ACK, FRAME, 1};
        pthread_create(&th[2*t], NULL, side_loop, &sides[2*t]);
        pthread_create(&th[2*t+1], NULL, side_loop, &sides[2*t+1]);
    }
    char frame[4096]; memset(frame, 'F', sizeof frame);
    for (int i = 0; i < N; i++) write(cfd[i], frame, FRAME);
    sleep(1); long start = atomic_load(&done_count);
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    sleep(SECS);
    long end = atomic_load(&done_count); clock_gettime(CLOCK_MONOTONIC, &t1);
    double el = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("connections %d, threads per side %d: %.0f round trips/s\n", N, THREADS, (end - start) / el);
    stop_flag = 1;
    for (int t = 0; t < 2 * THREADS; t++) pthread_join(th[t], NULL);
    return 0;
}
