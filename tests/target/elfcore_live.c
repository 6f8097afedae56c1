/* A live process for tests/target/elfcore.sh: fills a heap buffer with a known pattern
 * (byte i = (i * 7 + 13) & 255), starts a second thread, prints what the test compares a core
 * of it with, then sleeps until killed. It allows any process to ptrace it, so gdb can attach
 * under Yama's ptrace_scope 1 without root. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile long worker_tid;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = syscall(SYS_gettid);
    for (;;) pause();
    return NULL;
}

int main(void)
{
#ifdef PR_SET_PTRACER
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
    size_t n = 65536;
    unsigned char *buf = malloc(n);
    if (!buf) return 1;
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)((i * 7 + 13) & 255);
    pthread_t th;
    if (pthread_create(&th, NULL, worker, NULL)) return 1;
    while (!worker_tid) usleep(1000);
    printf("pid %d\nbuf %p %zu\nmalloc %p\ntid %ld\ntid %ld\nready\n", (int)getpid(), (void *)buf,
           n, dlsym(RTLD_DEFAULT, "malloc"), (long)syscall(SYS_gettid), (long)worker_tid);
    fflush(stdout);
    for (;;) pause();
}
