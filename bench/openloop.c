// Open-loop HTTP/1.1 load generator for bench/run.sh (the open-loop latency rows).
//
//   openloop -p PORT -r RATE -d SECONDS -w WARMUP -c CONNS -q REQUEST_FILE [-a 127.0.0.1]
//
// REQUEST_FILE holds one complete HTTP/1.1 request (head and body, as sent on the wire). The
// schedule is fixed before the run, whatever the server does: request k is due at
// t0 + k / RATE and is sent on connection k mod CONNS (keep-alive connections, opened before
// t0, one request in flight per connection, as wrk and wrk2 do). When a connection is still
// waiting for its previous answer at a due time, the request waits on that connection and
// goes out as soon as the answer is in. Latency is measured from the request's due time to
// the last byte of its answer (wrk2's correction of coordinated omission: a server that
// stalls is charged for every request it delayed), and separately from the actual send
// ("service" latency). Requests due during the first WARMUP seconds are sent but not
// recorded. Answers must carry Content-Length (nginx and Flowgate both send it).
//
// Prints one line:
//   OPENLOOP rate=R conns=C duration_s=D recorded=N completed=N errors=N unanswered=N non2xx=N
//            late_1ms=N p50_us= p90_us= p99_us= p999_us= max_us= svc_p50_us= svc_p99_us=
//            svc_p999_us= achieved_rps=
// late_1ms counts recorded requests that went out more than 1 ms after their due time: their
// connection was still waiting for the previous answer, or the generator itself was not
// running then (another process had its CPU). Their latency still counts from the due time. unanswered:
// recorded slots without a complete answer 5 s after the last due time (or lost to a
// socket error, also counted in errors).
//
// Build: cc -O2 -o openloop bench/openloop.c (bench/run.sh does it in its work directory).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF 262144

typedef struct {
  int fd;
  int busy;            // a request is out, its answer not complete
  uint64_t next_slot;  // the next slot this connection must send
  uint64_t cur_slot;   // the slot in flight
  uint64_t sent_ns;    // when it was written
  size_t woff;         // bytes of the request written so far
  char *rbuf;
  size_t rlen;
} conn_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *addr = "127.0.0.1";
static int port, nconns;
static double rate, duration, warmup;
static char *req;
static size_t reqlen;
static uint64_t t0, interval_ns_x1000;  // interval in ns * 1000 (sub-ns precision)
static int ep;
static conn_t *conns;
static uint64_t total_slots, warm_slots, g;
static uint64_t *lat, *svc;
static uint64_t nrec, completed, errors, non2xx, late;

static uint64_t slot_time(uint64_t k) { return t0 + (k * interval_ns_x1000) / 1000; }

static void die(const char *m) {
  perror(m);
  exit(2);
}

static int open_conn(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, addr, &sa.sin_addr);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static void arm(conn_t *c, int want_write) {
  struct epoll_event ev = {.events = EPOLLIN | (want_write ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl");
}

static void reconnect(conn_t *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = open_conn();
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("epoll_ctl");
  c->busy = 0;
  c->rlen = 0;
  c->woff = 0;
}

static void start_send(conn_t *c, uint64_t now);

static void write_more(conn_t *c) {
  while (c->woff < reqlen) {
    ssize_t n = send(c->fd, req + c->woff, reqlen - c->woff, MSG_NOSIGNAL);
    if (n > 0) {
      c->woff += (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      arm(c, 1);
      return;
    } else {
      errors++;
      reconnect(c);
      return;
    }
  }
  arm(c, 0);
}

static void start_send(conn_t *c, uint64_t now) {
  c->cur_slot = c->next_slot;
  c->next_slot += (uint64_t)nconns;
  c->busy = 1;
  c->sent_ns = now;
  c->woff = 0;
  c->rlen = 0;
  write_more(c);
}

static void finish(conn_t *c, int status, uint64_t now) {
  uint64_t due = slot_time(c->cur_slot);
  completed++;
  if (status >= 400) non2xx++;
  if (c->cur_slot >= warm_slots) {
    lat[nrec] = now - due;
    svc[nrec] = now - c->sent_ns;
    if (c->sent_ns - due > 1000000) late++;
    nrec++;
  }
  c->busy = 0;
  c->rlen = 0;
  // an overdue slot of this connection goes out at once
  if (c->next_slot < g && c->next_slot < total_slots) start_send(c, now);
}

// 1 = complete answer in rbuf, 0 = need more, -1 = unusable
static int parse(conn_t *c, int *status) {
  char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
  if (!end) return c->rlen >= RBUF ? -1 : 0;
  size_t head = (size_t)(end - c->rbuf) + 4;
  if (c->rlen < 12 || memcmp(c->rbuf, "HTTP/1.", 7) != 0) return -1;
  *status = atoi(c->rbuf + 9);
  long cl = -1;
  for (char *p = c->rbuf; p < end;) {
    char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (!nl) nl = end;
    if (nl - p > 15 && strncasecmp(p, "content-length:", 15) == 0) cl = strtol(p + 15, NULL, 10);
    if (nl - p > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0) return -1;
    p = nl + 2;
  }
  if (cl < 0) return -1;
  if (c->rlen < head + (size_t)cl) return (head + (size_t)cl > RBUF) ? -1 : 0;
  if (c->rlen > head + (size_t)cl) return -1;  // bytes nobody asked for
  return 1;
}

static void on_readable(conn_t *c) {
  for (;;) {
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, RBUF - c->rlen, 0);
    if (n > 0) {
      c->rlen += (size_t)n;
      if (c->rlen < RBUF) continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {  // closed or failed
      if (c->busy) errors++;
      reconnect(c);
      return;
    }
  }
  if (!c->busy) {  // unsolicited bytes
    errors++;
    reconnect(c);
    return;
  }
  int status = 0;
  int r = parse(c, &status);
  if (r < 0) {
    errors++;
    reconnect(c);
  } else if (r > 0) {
    finish(c, status, now_ns());
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, uint64_t n, double p) {
  if (n == 0) return 0;
  uint64_t i = (uint64_t)(p / 100.0 * (double)n);
  if (i >= n) i = n - 1;
  return v[i] / 1000;  // us
}

int main(int argc, char **argv) {
  const char *reqfile = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "a:p:r:d:w:c:q:")) != -1) {
    switch (opt) {
      case 'a': addr = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'r': rate = atof(optarg); break;
      case 'd': duration = atof(optarg); break;
      case 'w': warmup = atof(optarg); break;
      case 'c': nconns = atoi(optarg); break;
      case 'q': reqfile = optarg; break;
      default:
        fprintf(stderr, "usage: openloop -p PORT -r RATE -d SECONDS -w WARMUP -c CONNS -q FILE\n");
        return 2;
    }
  }
  if (!reqfile || port <= 0 || rate <= 0 || duration <= 0 || nconns <= 0 || warmup < 0) {
    fprintf(stderr, "openloop: -p, -r, -d, -c and -q are required\n");
    return 2;
  }
  FILE *f = fopen(reqfile, "rb");
  if (!f) die(reqfile);
  req = malloc(65536);
  reqlen = fread(req, 1, 65536, f);
  fclose(f);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake up on time, not 50 us late

  ep = epoll_create1(0);
  conns = calloc((size_t)nconns, sizeof *conns);
  for (int i = 0; i < nconns; i++) {
    conns[i].fd = open_conn();
    conns[i].rbuf = malloc(RBUF);
    conns[i].next_slot = (uint64_t)i;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) die("epoll_ctl");
  }
  interval_ns_x1000 = (uint64_t)(1e12 / rate);
  total_slots = (uint64_t)((warmup + duration) * rate);
  warm_slots = (uint64_t)(warmup * rate);
  lat = malloc(sizeof(uint64_t) * (total_slots - warm_slots + 1));
  svc = malloc(sizeof(uint64_t) * (total_slots - warm_slots + 1));
  struct epoll_event evs[256];
  t0 = now_ns() + 1000000;
  uint64_t end = slot_time(total_slots), deadline = end + 5000000000ull;
  for (;;) {
    uint64_t now = now_ns();
    while (g < total_slots && slot_time(g) <= now) {
      conn_t *c = &conns[g % (uint64_t)nconns];
      if (!c->busy && c->next_slot == g) start_send(c, now);
      g++;
    }
    if (g >= total_slots) {
      int pending = 0;
      for (int i = 0; i < nconns && !pending; i++)
        pending = conns[i].busy || conns[i].next_slot < total_slots;
      if (!pending || now > deadline) break;
    }
    uint64_t wait = g < total_slots ? slot_time(g) - now : 1000000;
    struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000ull), .tv_nsec = (long)(wait % 1000000000ull)};
    int n = epoll_pwait2(ep, evs, 256, &ts, NULL);
    if (n < 0 && errno != EINTR) die("epoll_pwait2");
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      if (evs[i].events & EPOLLOUT) write_more(c);
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    }
  }
  uint64_t last = now_ns();
  uint64_t expected = total_slots - warm_slots;
  uint64_t unanswered = nrec < expected ? expected - nrec : 0;  // not answered in time, or lost
  qsort(lat, nrec, sizeof *lat, cmp_u64);
  qsort(svc, nrec, sizeof *svc, cmp_u64);
  double measured_s = (double)(last - slot_time(warm_slots)) / 1e9;
  printf("OPENLOOP rate=%.0f conns=%d duration_s=%.1f recorded=%llu completed=%llu errors=%llu unanswered=%llu "
         "non2xx=%llu late_1ms=%llu p50_us=%llu p90_us=%llu p99_us=%llu p999_us=%llu max_us=%llu "
         "svc_p50_us=%llu svc_p99_us=%llu svc_p999_us=%llu achieved_rps=%.1f\n",
         rate, nconns, duration, (unsigned long long)nrec, (unsigned long long)completed,
         (unsigned long long)errors, (unsigned long long)unanswered, (unsigned long long)non2xx, (unsigned long long)late,
         (unsigned long long)pct(lat, nrec, 50), (unsigned long long)pct(lat, nrec, 90),
         (unsigned long long)pct(lat, nrec, 99), (unsigned long long)pct(lat, nrec, 99.9),
         (unsigned long long)(nrec ? lat[nrec - 1] / 1000 : 0), (unsigned long long)pct(svc, nrec, 50),
         (unsigned long long)pct(svc, nrec, 99), (unsigned long long)pct(svc, nrec, 99.9),
         measured_s > 0 ? (double)nrec / measured_s : 0.0);
  return 0;
}
