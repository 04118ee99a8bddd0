/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: making stores into a BAR mmap act (x86-64)
 *
 * A process mmap of BAR0 is the library's memfd, so loads see the register
 * page the model keeps current.  Stores must act at once (edu's liveness
 * register reads back inverted right after a write), which a shared page
 * cannot do by itself.  So the register page of each mapping is PROT_NONE:
 * an access faults (SIGSEGV), the handler opens the page and sets the trap
 * flag, the access runs as one instruction, the resulting SIGTRAP compares
 * the page with its snapshot, hands changed dwords (and the one faulted on,
 * for writes) to the model and closes the page again.  Loads cost two
 * signals; no instruction decoding is needed.
 */
#include "qemu/osdep.h"
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "sim.h"

#define MAX_TRAPS   64
#define EFLAGS_TF   0x100

typedef struct Trap {
    uint8_t *page;
    SimDevice *dev;
} Trap;

static Trap traps[MAX_TRAPS];
static struct sigaction old_segv, old_trap;
static bool installed;

static __thread struct {
    bool active;
    bool write;
    Trap trap;
    uint64_t offset;
    uint8_t before[SIM_PAGE];
} pending;

static Trap *trap_find(void *addr)
{
    uint8_t *a = addr;

    for (int i = 0; i < MAX_TRAPS; i++) {
        if (traps[i].page && a >= traps[i].page &&
            a < traps[i].page + SIM_PAGE) {
            return &traps[i];
        }
    }
    return NULL;
}

static void chain(const struct sigaction *old, int sig, siginfo_t *info,
                  void *uc)
{
    if (old->sa_flags & SA_SIGINFO && old->sa_sigaction) {
        old->sa_sigaction(sig, info, uc);
    } else if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN) {
        /* let the fault recur without us: the default action follows */
        signal(sig, SIG_DFL);
    } else {
        old->sa_handler(sig);
    }
}

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    Trap *t = trap_find(info->si_addr);

    if (!t || pending.active) {
        chain(&old_segv, sig, info, ctx);
        return;
    }
    pending.active = true;
    pending.trap = *t;
    pending.offset = (uint8_t *)info->si_addr - t->page;
    pending.write = uc->uc_mcontext.gregs[REG_ERR] & 2;
    mprotect(t->page, SIM_PAGE, PROT_READ | PROT_WRITE);
    memcpy(pending.before, t->page, SIM_PAGE);
    uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF;
}

static void on_trap(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    uint32_t at[SIM_PAGE / 4], val[SIM_PAGE / 4];
    int n = 0;

    if (!pending.active) {
        chain(&old_trap, sig, info, ctx);
        return;
    }
    uc->uc_mcontext.gregs[REG_EFL] &= ~EFLAGS_TF;
    if (pending.write) {
        uint64_t faulted = pending.offset & ~3ULL;

        /* collect first: the model rewrites the whole page on each write */
        for (uint64_t off = 0; off < SIM_PAGE; off += 4) {
            if (off == faulted ||
                memcmp(pending.trap.page + off, pending.before + off, 4)) {
                at[n] = off;
                memcpy(&val[n++], pending.trap.page + off, 4);
            }
        }
        sim_lock();
        for (int i = 0; i < n; i++) {
            sim_edu_write(pending.trap.dev, at[i], val[i], 4);
        }
        sim_unlock();
    }
    mprotect(pending.trap.page, SIM_PAGE, PROT_NONE);
    pending.active = false;
}

void sim_trap_install(void)
{
    struct sigaction sa = { 0 };

    if (installed) {
        return;
    }
    installed = true;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sa.sa_sigaction = on_segv;
    sigaction(SIGSEGV, &sa, &old_segv);
    sa.sa_sigaction = on_trap;
    sigaction(SIGTRAP, &sa, &old_trap);
}

void sim_trap_register(void *addr, SimDevice *d, int bar)
{
    sim_trap_install();
    for (int i = 0; i < MAX_TRAPS; i++) {
        if (!traps[i].page) {
            traps[i].page = addr;
            traps[i].dev = d;
            mprotect(addr, SIM_PAGE, PROT_NONE);
            return;
        }
    }
    sim_log_event("too many BAR mmaps: stores to one will not act");
}

void sim_trap_unregister(void *addr)
{
    for (int i = 0; i < MAX_TRAPS; i++) {
        if (traps[i].page == addr) {
            traps[i].page = NULL;
        }
    }
}
